package org.yimmo.wsgi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.config.Parsers;
import org.yimmo.core.config.Setting;
import org.yimmo.core.config.ValueParser;
import org.yimmo.core.tls.TlsContext;

/**
 * The settings of the yimmo-wsgi command, with the original's names in every source (see
 * DESIGN.md's settings table); the core ones (config file, log level, port, bind, idle timeout,
 * reactor) come from {@link CoreSettings}. Constants only.
 */
public final class WsgiSettings {

    public static final Setting<Integer> NO_PROC = Setting.builder("processes", Parsers.integer(1, 1024))
            .shortOption('p').longOption("--no-proc")
            .env("YIMMO_WSGI_NO_PROC")
            .yaml("wsgi.no_proc")
            .defaultValue("1")
            .metavar("N")
            .description("Number of processes to run")
            .envDescription("number of yimmo WSGI processes to run")
            .build();

    public static final Setting<Integer> NO_THREADS = Setting.builder("worker threads", Parsers.integer(1, 1024))
            .shortOption('t').longOption("--no-threads")
            .env("YIMMO_WSGI_NO_THREADS")
            .yaml("wsgi.no_threads")
            .defaultValue("1")
            .metavar("N")
            .description("Number of worker threads per proc")
            .envDescription("number of worker threads per process")
            .build();

    /** The module part of {@code MODULE:APP}; the positional argument sets both. */
    public static final Setting<String> MODULE = Setting.builder("WSGI module", Parsers.string())
            .env("YIMMO_WSGI_MODULE")
            .yaml("wsgi.module")
            .required()
            .example("hello")
            .description("WSGI module (if not provided as arg)")
            .build();

    /** The app part of {@code MODULE:APP}: a name, or an expression evaluated in the module. */
    public static final Setting<String> APP = Setting.builder("WSGI app", Parsers.string())
            .env("YIMMO_WSGI_APP")
            .yaml("wsgi.app")
            .required()
            .example("app")
            .description("WSGI app (if not provided as arg)")
            .build();

    public static final Setting<String> PYTHON = Setting.builder("python", Parsers.string())
            .longOption("--python")
            .env("YIMMO_PYTHON")
            .yaml("wsgi.python")
            .off()
            .metavar("PYTHON")
            .example("/opt/venv/bin/python")
            .description("Python interpreter to embed (default: the active virtualenv's, else python3 on PATH)")
            .envDescription("python interpreter to embed")
            .build();

    public static final Setting<List<Path>> PYTHONPATH = Setting.builder("python path", directories())
            .longOption("--pythonpath")
            .env("YIMMO_WSGI_PYTHONPATH")
            .yaml("wsgi.pythonpath")
            .off()
            .metavar("DIRS")
            .example("/srv/app,/srv/lib")
            .description("Comma-separated directories to put first on sys.path before importing the app")
            .envDescription("comma-separated directories put first on sys.path")
            .build();

    public static final Setting<String> SCRIPT_NAME = Setting.builder("script name", scriptName())
            .longOption("--script-name")
            .env("YIMMO_WSGI_SCRIPT_NAME")
            .yaml("wsgi.script_name")
            .off()
            .metavar("PREFIX")
            .example("/app")
            .description("URL prefix the app is mounted at: SCRIPT_NAME, stripped from PATH_INFO")
            .envDescription("URL prefix the app is mounted at (SCRIPT_NAME)")
            .build();

    public static final Setting<Path> ACCESS_LOG = Setting.builder("access log", accessLog())
            .longOption("--access-log")
            .env("YIMMO_WSGI_ACCESS_LOG")
            .yaml("wsgi.access_log")
            .off()
            .metavar("FILE")
            .example("-")
            .description("Write an access log (Apache combined format) to FILE, or - for stdout")
            .envDescription("access log file, - for stdout (off when unset)")
            .build();

    public static final Setting<Duration> GRACEFUL_TIMEOUT = Setting.builder("graceful timeout",
                    Parsers.positiveSeconds())
            .longOption("--graceful-timeout")
            .env("YIMMO_WSGI_GRACEFUL_TIMEOUT")
            .yaml("wsgi.graceful_timeout")
            .defaultValue("30")
            .metavar("SECONDS")
            .description("On SIGTERM, SIGINT or a reload, how long requests in progress may take to finish")
            .envDescription("seconds requests in progress may take to finish when stopping")
            .build();

    public static final Setting<Duration> TIMEOUT = Setting.builder("timeout", Parsers.secondsOrZero())
            .longOption("--timeout")
            .env("YIMMO_WSGI_TIMEOUT")
            .yaml("wsgi.timeout")
            .defaultValue("30")
            .metavar("SECONDS")
            .description("A request in the application longer than this gets its worker process replaced "
                    + "(its Python stack logged first); 0: never")
            .envDescription("seconds a request may stay in the application before its worker is replaced")
            .build();

    public static final Setting<Integer> MAX_REQUESTS = Setting.builder("max requests",
                    Parsers.integer(0, Integer.MAX_VALUE))
            .longOption("--max-requests")
            .env("YIMMO_WSGI_MAX_REQUESTS")
            .yaml("wsgi.max_requests")
            .defaultValue("0")
            .metavar("N")
            .description("Replace a worker process gracefully after it served N requests; 0: never")
            .envDescription("requests after which a worker process is replaced (0: never)")
            .build();

    public static final Setting<Integer> MAX_REQUESTS_JITTER = Setting.builder("max requests jitter",
                    Parsers.integer(0, Integer.MAX_VALUE))
            .longOption("--max-requests-jitter")
            .env("YIMMO_WSGI_MAX_REQUESTS_JITTER")
            .yaml("wsgi.max_requests_jitter")
            .defaultValue("0")
            .metavar("N")
            .description("Add a random 0..N to each worker's --max-requests, so workers do not restart together")
            .envDescription("random extra requests per worker before it is replaced")
            .build();

    public static final Setting<Integer> MAX_FAILED_STARTS = Setting.builder("max failed starts",
                    Parsers.integer(1, 1000))
            .longOption("--max-failed-starts")
            .env("YIMMO_WSGI_MAX_FAILED_STARTS")
            .yaml("wsgi.max_failed_starts")
            .defaultValue("5")
            .metavar("N")
            .description("With --no-proc above 1: give up (exit 1) after N worker processes in a row die "
                    + "before they are ready")
            .envDescription("worker processes in a row that may fail to start before the manager gives up")
            .build();

    /** With {@link #TLS_KEY}: the listen address serves HTTPS, as gunicorn's bind with certfile/keyfile. */
    public static final Setting<Path> TLS_CERT = Setting.builder("TLS certificate", Parsers.path())
            .longOption("--tls-cert")
            .env("YIMMO_TLS_CERT_PATH")
            .yaml("wsgi.tls.cert")
            .yamlAlias("tls.cert")
            .off()
            .metavar("FILE")
            .example("/path/to/site.crt")
            .description("PEM certificate chain; with --tls-key the server speaks HTTPS")
            .envDescription("TLS certificate path")
            .build();

    public static final Setting<Path> TLS_KEY = Setting.builder("TLS private key", Parsers.path())
            .longOption("--tls-key")
            .env("YIMMO_TLS_KEY_PATH")
            .yaml("wsgi.tls.key")
            .yamlAlias("tls.key")
            .off()
            .metavar("FILE")
            .example("/path/to/cert.pem")
            .description("PEM private key of --tls-cert (PKCS#8, PKCS#1, SEC1 or encrypted PKCS#8)")
            .envDescription("TLS private key path")
            .build();

    public static final Setting<String> TLS_KEY_PASSWORD = Setting.builder("TLS key password", Parsers.string())
            .longOption("--tls-key-password")
            .env("YIMMO_TLS_KEY_PASSWORD")
            .off()
            .metavar("PASSWORD")
            .description("Password of an encrypted --tls-key (the environment variable keeps it out of ps)")
            .envDescription("password of an encrypted TLS private key")
            .build();

    /** Whose TLS the connections get: OpenSSL's or BoringSSL's through yimmo-tls-openssl, or the JDK's SSLEngine. */
    public static final Setting<String> TLS_ENGINE = Setting.builder("TLS engine",
                    Parsers.choice(TlsContext.ENGINE_AUTO, "openssl", "boringssl", TlsContext.ENGINE_JDK))
            .longOption("--tls-engine")
            .env("YIMMO_TLS_ENGINE")
            .yaml("wsgi.tls.engine")
            .defaultValue(TlsContext.ENGINE_AUTO)
            .metavar("ENGINE")
            .description("Who does TLS: openssl (the system's libssl through JNR), boringssl (Debian's "
                    + "android-libboringssl: faster, but without security updates; only when named), jdk "
                    + "(the JDK's SSLEngine), or auto (openssl when libssl can be loaded, else jdk)")
            .envDescription("TLS engine: auto, openssl, boringssl or jdk")
            .build();

    /**
     * The libssl the openssl or boringssl engine loads, when not the one it finds by itself: a
     * newer OpenSSL, or a BoringSSL the operator builds and keeps up to date.
     */
    public static final Setting<Path> TLS_LIBRARY = Setting.builder("TLS library", Parsers.path())
            .longOption("--tls-library")
            .env("YIMMO_TLS_LIBRARY")
            .yaml("wsgi.tls.library")
            .off()
            .metavar("FILE")
            .example("/opt/boringssl/lib/libssl.so")
            .description("The libssl file of --tls-engine openssl or boringssl, its libcrypto beside it "
                    + "(default: the system's OpenSSL; Debian's android-libboringssl)")
            .envDescription("libssl file for the openssl or boringssl TLS engine")
            .build();

    /** An extra plain-HTTP listener next to the TLS one (health checks, redirects). */
    public static final Setting<Integer> PLAIN_PORT = Setting.builder("plain HTTP port", Parsers.integer(0, 65535))
            .longOption("--plain-port")
            .env("YIMMO_WSGI_PLAIN_PORT")
            .yaml("wsgi.plain_port")
            .off()
            .metavar("PORT")
            .description("With TLS on: also serve plain HTTP on this port of the bind address")
            .envDescription("with TLS on, a port that also serves plain HTTP")
            .build();

    /** The TLS settings, checked together by {@link WsgiTls}. */
    public static final List<Setting<?>> TLS = List.of(TLS_CERT, TLS_KEY, TLS_KEY_PASSWORD, TLS_ENGINE, TLS_LIBRARY,
            PLAIN_PORT);

    private WsgiSettings() {
    }

    /** Every setting of the command, in the order the help lists them. */
    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(CoreSettings.ALL);
        all.addAll(List.of(NO_PROC, NO_THREADS, MODULE, APP, PYTHON, PYTHONPATH, SCRIPT_NAME, ACCESS_LOG,
                GRACEFUL_TIMEOUT, TIMEOUT, MAX_REQUESTS, MAX_REQUESTS_JITTER, MAX_FAILED_STARTS));
        all.addAll(TLS);
        return List.copyOf(all);
    }

    /** A mount prefix: empty, or starting with '/' and not ending with one. */
    private static ValueParser<String> scriptName() {
        return ValueParser.of("a URL path starting with '/' and not ending with '/' (or empty)", text -> {
            if (text.isEmpty() || (text.startsWith("/") && !text.endsWith("/") && !text.contains("?"))) {
                return text;
            }
            throw new IllegalArgumentException(text);
        });
    }

    /** Comma-separated directories, as gunicorn's --pythonpath; each must be a valid path. */
    private static ValueParser<List<Path>> directories() {
        return ValueParser.of("comma-separated directories", text -> {
            List<Path> directories = new ArrayList<>();
            for (String part : text.split(",", -1)) {
                if (part.isEmpty() || part.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("empty directory or NUL in '" + text + "'");
                }
                directories.add(Path.of(part));
            }
            return List.copyOf(directories);
        });
    }

    /** A file to append to, or "-" for standard output. */
    private static ValueParser<Path> accessLog() {
        return ValueParser.of("a file path, or - for standard output", Path::of);
    }
}
