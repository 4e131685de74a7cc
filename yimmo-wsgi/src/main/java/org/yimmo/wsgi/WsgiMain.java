package org.yimmo.wsgi;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.config.CommandLine;
import org.yimmo.core.config.CommandLineParser;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.ConfigException;
import org.yimmo.core.config.ConfigResolver;
import org.yimmo.core.config.ConfigValue;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.config.HelpText;
import org.yimmo.core.config.Setting;
import org.yimmo.core.log.SimpleLoggerSetup;
import org.yimmo.core.reactor.ReactorSelectionException;
import org.yimmo.wsgi.manager.ManagerLink;
import org.yimmo.wsgi.manager.ProcessManager;
import org.yimmo.wsgi.manager.Supervisor;
import org.yimmo.wsgi.python.PythonException;
import org.yimmo.wsgi.python.PythonInstallation;
import org.yimmo.wsgi.python.PythonLocator;
import org.yimmo.wsgi.python.PythonSetupException;

/**
 * The {@code yimmo-wsgi} command: {@code yimmo-wsgi [OPTIONS] MODULE:APP}. Exit codes: 0 after a
 * clean stop, 1 when the application cannot be loaded or the server cannot start, 2 for a usage
 * or configuration error.
 */
public final class WsgiMain {

    static final String USAGE = "Usage: yimmo-wsgi [OPTIONS] WSGI_MODULE:WSGI_APP";
    private static final List<Setting<?>> SETTINGS = WsgiSettings.all();

    private WsgiMain() {
    }

    public static void main(String[] args) {
        int status = run(args, System.getenv(), System.out, System.err);
        if (status >= 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the command; returns the exit status, or -1 when the server runs until a signal (the
     * shutdown hook then stops it and the JVM exits by itself).
     */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLineParser parser = new CommandLineParser(SETTINGS);
        Config config;
        try {
            CommandLine commandLine = parser.parse(args);
            if (commandLine.helpRequested()) {
                out.println("yimmo-wsgi " + Version.VERSION);
                HelpText.render(USAGE, SETTINGS, parser.flags()).forEach(out::println);
                return 0;
            }
            if (commandLine.versionRequested()) {
                out.println("yimmo-wsgi " + Version.VERSION);
                return 0;
            }
            config = new ConfigResolver(SETTINGS).resolve(withApplication(commandLine), env);
            requireApplication(config);
        } catch (ConfigException e) {
            err.println("yimmo-wsgi: " + e.getMessage());
            err.println(USAGE + " (--help for more)");
            return e.exitCode();
        }
        SimpleLoggerSetup.configure(config.get(CoreSettings.LOG_LEVEL));
        config.logWarnings();
        Logger log = LoggerFactory.getLogger(WsgiMain.class);
        if (log.isDebugEnabled()) {
            config.describe().forEach(line -> log.debug("setting {}", line));
        }
        ManagerLink managerLink;
        try {
            managerLink = ManagerLink.fromEnvironment(env);
        } catch (IOException | RuntimeException e) {
            err.println("yimmo-wsgi: cannot use the control pipe from the process manager: " + e);
            return 1;
        }
        WsgiTls tls;
        try {
            tls = WsgiTls.from(config);
        } catch (ConfigException e) {
            err.println("yimmo-wsgi: " + e.getMessage());
            return e.exitCode();
        }
        if (managerLink == null && config.get(WsgiSettings.NO_PROC) > 1) {
            return ManagerMain.run(config, tls, env, out, err);
        }
        if (managerLink != null && tls != null && tls.plainListen() != null
                && !env.containsKey(ManagerLink.PLAIN_LISTEN_FD_ENV)) {
            // The manager binds the sockets its workers share. A plain port that appeared in the
            // configuration at a reload would be bound by each worker on its own: all but the
            // first would fail to start, again and again.
            log.warn("the plain HTTP port {} was configured after the manager started; it is served once the "
                    + "manager restarts", tls.plainListen());
            tls = tls.plainOn(null);
        }
        ListeningSockets sockets;
        try {
            sockets = ListeningSockets.open(config, tls, env);
        } catch (IOException | IllegalArgumentException e) {
            err.println("yimmo-wsgi: " + e.getMessage());
            return 1;
        }
        String listen = "fd://" + sockets.main().fd();
        if (sockets.plain() != null) {
            tls = tls.plainOn("fd://" + sockets.plain().fd());
        }
        AccessLog accessLog = null;
        if (config.find(WsgiSettings.ACCESS_LOG).isPresent()) {
            ConfigValue<java.nio.file.Path> where = config.value(WsgiSettings.ACCESS_LOG);
            try {
                accessLog = AccessLog.open(where.value());
            } catch (IOException | RuntimeException e) {
                err.println("yimmo-wsgi: cannot open access log '" + where.raw() + "' from "
                        + where.origin().describe() + ": " + e);
                return ConfigException.EXIT_USAGE;
            }
        }
        WsgiServer server;
        try {
            PythonInstallation python = new PythonLocator(env).locate(config.find(WsgiSettings.PYTHON).orElse(null));
            server = WsgiServer.start(new WsgiServer.Options(python,
                    config.get(WsgiSettings.MODULE), config.get(WsgiSettings.APP),
                    listen, config.get(CoreSettings.BIND), config.get(CoreSettings.REACTOR),
                    config.get(WsgiSettings.NO_THREADS), config.get(WsgiSettings.NO_PROC),
                    config.find(WsgiSettings.SCRIPT_NAME).orElse(""), config.get(CoreSettings.IDLE_TIMEOUT),
                    config.find(WsgiSettings.PYTHONPATH).orElse(List.of())),
                    accessLog, tls);
        } catch (PythonSetupException | ReactorSelectionException e) {
            closeQuietly(accessLog);
            err.println("yimmo-wsgi: " + e.getMessage());
            return ConfigException.EXIT_USAGE;
        } catch (PythonException e) {
            closeQuietly(accessLog);
            err.println("yimmo-wsgi: cannot load " + config.get(WsgiSettings.MODULE) + ":"
                    + config.get(WsgiSettings.APP) + "\n" + e.traceback());
            return 1;
        } catch (Exception e) {
            closeQuietly(accessLog);
            err.println("yimmo-wsgi: " + e.getMessage());
            return 1;
        }
        ServerLifecycle lifecycle = new ServerLifecycle(server, config.get(WsgiSettings.GRACEFUL_TIMEOUT), accessLog);
        if (managerLink != null) {
            lifecycle.handleSignalsAsWorker();
            startWatchdog(config, server, managerLink, lifecycle);
            log.info("worker (pid {}) serving {}:{} with {} thread(s) on the {} reactor{}", ProcessHandle.current().pid(),
                    config.get(WsgiSettings.MODULE), config.get(WsgiSettings.APP), config.get(WsgiSettings.NO_THREADS),
                    server.reactorName(), tlsEngine(tls));
            if (!managerLink.ready()) {
                log.warn("the process manager is gone: stopping");
                lifecycle.stop(0);
            }
            return -1;
        }
        ServerLifecycle.Relaunch relaunch = new ServerLifecycle.Relaunch(ProcessManager.currentCommand(), env,
                sockets.byVariable());
        lifecycle.handleSignalsAlone(relaunch);
        startWatchdog(config, server, lifecycle.replacingItself(relaunch), lifecycle);
        log.info("serving {}:{} with {} worker thread(s) on the {} reactor{}",
                config.get(WsgiSettings.MODULE), config.get(WsgiSettings.APP),
                config.get(WsgiSettings.NO_THREADS), server.reactorName(), tlsEngine(tls));
        printListening(out, tls != null, server.addresses());
        return -1;
    }

    /** The start-up log's mention of who does TLS: empty without TLS. */
    private static String tlsEngine(WsgiTls tls) {
        return tls == null ? "" : ", TLS by " + tls.context().engine();
    }

    /**
     * The {@code listening on} line: the main address ({@code https} with TLS), then the extra
     * plain-HTTP one if any.
     */
    static void printListening(PrintStream out, boolean tls, List<SocketAddress> addresses) {
        StringBuilder line = new StringBuilder("yimmo-wsgi " + Version.VERSION + " listening on ");
        for (int i = 0; i < addresses.size(); i++) {
            InetSocketAddress address = (InetSocketAddress) addresses.get(i);
            line.append(i == 0 ? "" : " and ").append(tls && i == 0 ? "https" : "http").append("://")
                    .append(address.getAddress().getHostAddress()).append(':').append(address.getPort()).append('/');
        }
        out.println(line);
        out.flush();
    }

    /**
     * The watchdog: heartbeat, {@code --max-requests} (plus a random 0..jitter, so that workers
     * started together do not retire together) and {@code --timeout}. A failed heartbeat (the
     * manager is gone) stops the process gracefully.
     */
    private static void startWatchdog(Config config, WsgiServer server, Supervisor supervisor,
            ServerLifecycle lifecycle) {
        int jitter = config.get(WsgiSettings.MAX_REQUESTS_JITTER);
        int max = config.get(WsgiSettings.MAX_REQUESTS);
        long maxRequests = max == 0 ? 0 : max + (long) ThreadLocalRandom.current().nextInt(jitter + 1);
        new Watchdog(server, supervisor, maxRequests, config.get(WsgiSettings.TIMEOUT), () -> lifecycle.stop(0)).start();
    }

    /**
     * Checks MODULE and APP here, with the other usage errors: read later, a missing one would
     * surface as a start-up failure (exit 1) instead of a usage error (exit 2).
     */
    private static void requireApplication(Config config) throws ConfigException {
        for (Setting<String> setting : List.of(WsgiSettings.MODULE, WsgiSettings.APP)) {
            if (config.find(setting).isEmpty()) {
                throw new ConfigException("missing " + setting.name() + ": give the MODULE:APP argument, or set "
                        + setting.whereToSet());
            }
        }
    }

    private static void closeQuietly(AccessLog accessLog) {
        if (accessLog != null) {
            accessLog.close();
        }
    }

    /** Maps the MODULE:APP argument onto the module and app settings. */
    private static CommandLine withApplication(CommandLine commandLine) throws ConfigException {
        List<String> positional = commandLine.positional();
        if (positional.isEmpty()) {
            return commandLine;
        }
        if (positional.size() > 1) {
            throw new ConfigException("expected one MODULE:APP argument, got " + positional.size() + ": " + positional);
        }
        String spec = positional.get(0);
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new ConfigException("invalid application '" + spec
                    + "' from command line argument MODULE:APP: expected MODULE:APP, e.g. hello:app");
        }
        return commandLine.with(WsgiSettings.MODULE, "MODULE:APP", spec.substring(0, colon))
                .with(WsgiSettings.APP, "MODULE:APP", spec.substring(colon + 1));
    }
}
