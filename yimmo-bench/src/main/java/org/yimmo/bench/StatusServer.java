package org.yimmo.bench;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.ConfigException;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.config.Parsers;
import org.yimmo.core.config.Setting;
import org.yimmo.core.reactor.ReactorSelectionException;
import org.yimmo.core.tls.TlsConfig;
import org.yimmo.core.tls.TlsContext;
import org.yimmo.core.tls.TlsSetupException;
import org.yimmo.http.HttpExchange;
import org.yimmo.http.HttpServer;
import org.yimmo.wsgi.WsgiSettings;

/**
 * The HTTP example, after the original's C example: {@code GET /status} answers {@code OK}, every
 * other path 404. Configured like the WSGI server (command line, YIMMO_* environment, YAML);
 * stops on Ctrl-C or SIGTERM. Also the server the wrk-against-nginx comparison measures.
 */
public final class StatusServer {

    /** A second listener, over TLS, next to the plain one: TLS and plain HTTP measured in one run. */
    static final Setting<Integer> TLS_PORT = Setting.builder("TLS port", Parsers.integer(0, 65535))
            .longOption("--tls-port")
            .off()
            .metavar("PORT")
            .description("Also serve HTTPS on this port (needs --tls-cert and --tls-key)")
            .build();
    static final Setting<String> TLS_TASKS = Setting.builder("TLS tasks", Parsers.choice(List.of("threads", "inline")))
            .longOption("--tls-tasks")
            .defaultValue("threads")
            .metavar("WHERE")
            .description("Where the handshake's delegated tasks run: threads (off the reactor) or inline")
            .build();
    private static final List<Setting<?>> SETTINGS = List.of(CoreSettings.CONFIG, CoreSettings.LOG_LEVEL,
            CoreSettings.PORT, CoreSettings.BIND, CoreSettings.IDLE_TIMEOUT, CoreSettings.REACTOR,
            WsgiSettings.TLS_CERT, WsgiSettings.TLS_KEY, WsgiSettings.TLS_ENGINE, WsgiSettings.TLS_LIBRARY, TLS_PORT,
            TLS_TASKS);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    private static final ByteBuffer OK = ByteBuffer.wrap("OK".getBytes(StandardCharsets.US_ASCII));
    private static final ByteBuffer NOT_FOUND = ByteBuffer.wrap("Not Found\n".getBytes(StandardCharsets.US_ASCII));

    private StatusServer() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Config config;
        try {
            config = ExampleCommand.configure("status-server", SETTINGS, args, System.getenv(), out, err);
        } catch (ExampleCommand.Exit exit) {
            return exit.status;
        }
        HttpServer server;
        TlsContext tls = null;
        try {
            HttpServer.Builder builder = HttpServer.builder()
                    .listen(config.get(CoreSettings.BIND) + ":" + config.get(CoreSettings.PORT));
            if (config.find(TLS_PORT).isPresent()) {
                tls = TlsContext.load(new TlsConfig(config.find(WsgiSettings.TLS_CERT).orElseThrow(
                        () -> new IllegalArgumentException("--tls-port needs --tls-cert and --tls-key")),
                        config.find(WsgiSettings.TLS_KEY).orElseThrow(
                                () -> new IllegalArgumentException("--tls-port needs --tls-cert and --tls-key"))),
                        config.get(WsgiSettings.TLS_ENGINE), config.find(WsgiSettings.TLS_LIBRARY).orElse(null));
                if (config.get(TLS_TASKS).equals("inline")) {
                    tls = tls.withDelegatedTasks(null);
                }
                builder.listenTls(config.get(CoreSettings.BIND) + ":" + config.get(TLS_PORT), tls);
            }
            server = builder
                    .reactor(config.get(CoreSettings.REACTOR))
                    .idleTimeout(config.get(CoreSettings.IDLE_TIMEOUT))
                    .handler(StatusServer::handle)
                    .start();
        } catch (ReactorSelectionException | IllegalArgumentException | TlsSetupException e) {
            err.println("status-server: " + e.getMessage());
            return ConfigException.EXIT_USAGE;
        } catch (Exception e) {
            err.println("status-server: " + e.getMessage());
            return 1;
        }
        Logger log = LoggerFactory.getLogger(StatusServer.class);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Requests in progress get their answer; idle keep-alive connections close at once.
            boolean clean = server.shutdown(SHUTDOWN_GRACE);
            log.info("status server stopped{}", clean ? "" : " (connections still busy were closed)");
            stopped.countDown();
        }, "status-shutdown"));
        InetSocketAddress bound = (InetSocketAddress) server.localAddresses().get(0);
        String hostPort = bound.getAddress().getHostAddress() + ":" + bound.getPort();
        String tlsNote = "";
        if (server.localAddresses().size() > 1) {
            InetSocketAddress tlsBound = (InetSocketAddress) server.localAddresses().get(1);
            tlsNote = ", and HTTPS on " + tlsBound.getAddress().getHostAddress() + ":" + tlsBound.getPort() + " (TLS by "
                    + tls.engine() + ")";
        }
        out.println("status server (reactor " + server.reactor().backend() + ") listening on " + hostPort
                + tlsNote + "; try: curl http://" + hostPort + "/status");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static void handle(HttpExchange exchange) throws Exception {
        if (exchange.path().equals("/status")) {
            exchange.response().send(200, "text/plain", OK.duplicate());
        } else {
            exchange.response().send(404, "text/plain", NOT_FOUND.duplicate());
        }
    }
}
