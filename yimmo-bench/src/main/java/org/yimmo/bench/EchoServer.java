package org.yimmo.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.ConfigException;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.config.Setting;
import org.yimmo.core.net.EchoHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;
import org.yimmo.core.reactor.ReactorSelectionException;

/**
 * The echo example: a TCP echo server on whichever reactor the settings pick, configured like the
 * WSGI server will be (command line, YIMMO_* environment, YAML file). Stops on Ctrl-C or SIGTERM.
 */
public final class EchoServer {

    private static final List<Setting<?>> SETTINGS = List.of(CoreSettings.CONFIG, CoreSettings.LOG_LEVEL,
            CoreSettings.PORT, CoreSettings.BIND, CoreSettings.REACTOR);

    private EchoServer() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Config config;
        try {
            config = ExampleCommand.configure("echo-server", SETTINGS, args, System.getenv(), out, err);
        } catch (ExampleCommand.Exit exit) {
            return exit.status;
        }
        Logger log = LoggerFactory.getLogger(EchoServer.class);
        Reactor reactor;
        Listener listener;
        try {
            reactor = ReactorSelection.open(config.get(CoreSettings.REACTOR), ReactorOptions.defaults());
            listener = reactor.listen(ListenAddress.tcp(config.get(CoreSettings.BIND), config.get(CoreSettings.PORT)),
                    connection -> new EchoHandler());
        } catch (ReactorSelectionException e) {
            err.println("echo-server: " + e.getMessage());
            return ConfigException.EXIT_USAGE;
        } catch (IOException e) {
            err.println("echo-server: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            reactor.close();
            try {
                // Not a join: after run() the main thread blocks in System.exit behind this hook.
                stopped.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "echo-shutdown"));
        String hostPort = hostOf(listener) + " " + portOf(listener);
        out.println("echo server (reactor " + reactor.backend() + ") listening on " + hostPort.replace(' ', ':')
                + "; try: echo hello | nc -N " + hostPort);
        out.flush();
        reactor.run();
        log.info("echo server stopped");
        stopped.countDown();
        return 0;
    }

    private static String hostOf(Listener listener) {
        return ((InetSocketAddress) listener.localAddress()).getAddress().getHostAddress();
    }

    private static int portOf(Listener listener) {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }
}
