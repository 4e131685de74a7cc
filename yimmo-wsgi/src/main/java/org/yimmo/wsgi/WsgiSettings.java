package org.yimmo.wsgi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.config.Parsers;
import org.yimmo.core.config.Setting;
import org.yimmo.core.config.ValueParser;

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

    private WsgiSettings() {
    }

    /** Every setting of the command, in the order the help lists them. */
    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(CoreSettings.ALL);
        all.addAll(List.of(NO_PROC, NO_THREADS, MODULE, APP, PYTHON, PYTHONPATH, SCRIPT_NAME, ACCESS_LOG));
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
