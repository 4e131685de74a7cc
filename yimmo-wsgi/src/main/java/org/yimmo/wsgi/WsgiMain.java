package org.yimmo.wsgi;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
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
        if (config.get(WsgiSettings.NO_PROC) > 1) {
            err.println("yimmo-wsgi: --no-proc above 1 (the process manager) is not available yet; use 1");
            return ConfigException.EXIT_USAGE;
        }
        WsgiTls tls;
        try {
            tls = WsgiTls.from(config);
        } catch (ConfigException e) {
            err.println("yimmo-wsgi: " + e.getMessage());
            return e.exitCode();
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
                    config.get(CoreSettings.BIND), config.get(CoreSettings.PORT), config.get(CoreSettings.REACTOR),
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
        AccessLog openedLog = accessLog;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping: finishing requests in progress (at most {} s)", SHUTDOWN_GRACE.toSeconds());
            server.shutdown(SHUTDOWN_GRACE);
            closeQuietly(openedLog);
            log.info("yimmo-wsgi stopped");
        }, "yimmo-shutdown"));
        String url = (tls == null ? "http://" : "https://") + server.address().getAddress().getHostAddress() + ":"
                + server.address().getPort() + "/";
        if (server.addresses().size() > 1) {
            java.net.InetSocketAddress plain = (java.net.InetSocketAddress) server.addresses().get(1);
            url += " and http://" + plain.getAddress().getHostAddress() + ":" + plain.getPort() + "/";
        }
        log.info("serving {}:{} with {} worker thread(s) on the {} reactor",
                config.get(WsgiSettings.MODULE), config.get(WsgiSettings.APP),
                config.get(WsgiSettings.NO_THREADS), server.reactorName());
        out.println("yimmo-wsgi " + Version.VERSION + " listening on " + url);
        out.flush();
        return -1;
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
