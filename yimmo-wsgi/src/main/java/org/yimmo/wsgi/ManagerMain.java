package org.yimmo.wsgi;

import java.io.IOException;
import java.io.PrintStream;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.ConfigException;
import org.yimmo.wsgi.manager.ProcessManager;
import org.yimmo.wsgi.python.PythonLocator;
import org.yimmo.wsgi.python.PythonSetupException;

/**
 * {@code yimmo-wsgi} with {@code --no-proc} above 1: checks what it can before any worker starts
 * (the Python interpreter; the application itself is imported only by the workers), binds the
 * listening sockets once (the plain-HTTP one too, with {@code --plain-port} next to TLS) and runs
 * the {@link ProcessManager}, which hands them to every worker.
 */
final class ManagerMain {

    private static final Duration MIN_HEARTBEAT_LIMIT = Duration.ofSeconds(30);
    private static final Duration MIN_START_TIMEOUT = Duration.ofSeconds(60);

    private ManagerMain() {
    }

    /** @param tls the TLS settings, checked by the caller before any worker starts (null: plain HTTP) */
    static int run(Config config, WsgiTls tls, Map<String, String> env, PrintStream out, PrintStream err) {
        Logger log = LoggerFactory.getLogger(ManagerMain.class);
        try {
            new PythonLocator(env).locate(config.find(WsgiSettings.PYTHON).orElse(null));
        } catch (PythonSetupException e) {
            err.println("yimmo-wsgi: " + e.getMessage());
            return ConfigException.EXIT_USAGE;
        }
        List<String> command = ProcessManager.currentCommand();
        if (command.isEmpty()) {
            err.println("yimmo-wsgi: cannot read this process's command line to start workers with it;"
                    + " --no-proc above 1 is not available on this platform");
            return 1;
        }
        ListeningSockets sockets;
        try {
            sockets = ListeningSockets.open(config, tls, env);
        } catch (IOException | IllegalArgumentException e) {
            err.println("yimmo-wsgi: " + e.getMessage());
            return 1;
        }
        Duration timeout = config.get(WsgiSettings.TIMEOUT);
        ProcessManager.Settings settings = new ProcessManager.Settings(config.get(WsgiSettings.NO_PROC),
                config.get(WsgiSettings.GRACEFUL_TIMEOUT), MIN_HEARTBEAT_LIMIT.plus(timeout),
                max(MIN_START_TIMEOUT, timeout.multipliedBy(2)), config.get(WsgiSettings.MAX_FAILED_STARTS));
        ProcessManager manager = new ProcessManager(settings, command, env, sockets.main().fd(), sockets.plainFd());
        log.info("serving {}:{} with {} worker processes of {} thread(s)", config.get(WsgiSettings.MODULE),
                config.get(WsgiSettings.APP), settings.processes(), config.get(WsgiSettings.NO_THREADS));
        List<SocketAddress> bound = new ArrayList<>(List.of(sockets.main().localAddress()));
        if (sockets.plain() != null) {
            bound.add(sockets.plain().localAddress());
        }
        WsgiMain.printListening(out, tls != null, bound);
        int status = manager.run();
        try {
            sockets.close();
        } catch (IOException e) {
            log.debug("closing the listening sockets: {}", e.getMessage());
        }
        return status;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
