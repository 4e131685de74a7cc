package org.yimmo.wsgi.python;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Finds the Python interpreter to embed and probes it, once, for its shared library and paths.
 *
 * <p>Order: an explicit interpreter (a path, or a command looked up on {@code PATH}; the value of
 * {@code --python} / {@code YIMMO_PYTHON}), else an active virtualenv's {@code $VIRTUAL_ENV/bin/python},
 * else {@code python3} on {@code PATH}. The interpreter then runs once ({@code -E -s -c probe}, about
 * 0.1-0.2 s) and prints its version, {@code sys.executable}, prefixes and the sysconfig variables
 * that name libpython. Every failure is a {@link PythonSetupException} whose message says what was
 * tried and what to do.
 *
 * <p>Supported: CPython 3.10 to 3.13 with a shared libpython and the GIL. Older versions lack
 * C-API functions the server uses; 3.14 and later are refused until tested, because they replace
 * the {@code Py_SetProgramName} start-up used here by PEP 741's {@code PyInitConfig} and change
 * how threads behave at finalisation (gh-87135). The probe uses {@code -E -s} rather than
 * {@code -I} so that a Python 2 still answers and gets the version error instead of "Unknown
 * option".
 *
 * <p>Thread safety: instances are immutable; {@link #locate} may be called from any thread.
 */
public final class PythonLocator {

    /** Oldest supported minor version of Python 3. */
    public static final int MIN_MINOR = 10;
    /** Newest tested (and accepted) minor version of Python 3. */
    public static final int MAX_MINOR = 13;

    static final String PROBE_MARK = "yimmo-probe:";
    private static final String PROBE = String.join("\n",
            "import sys, json, sysconfig",
            "c = sysconfig.get_config_var",
            "v = sys.version_info",
            "print('" + PROBE_MARK + "' + json.dumps(dict(major=v[0], minor=v[1], micro=v[2],",
            "    executable=sys.executable or '', prefix=sys.prefix,",
            "    base_prefix=getattr(sys, 'base_prefix', sys.prefix),",
            "    shared=int(c('Py_ENABLE_SHARED') or 0), gil_disabled=int(c('Py_GIL_DISABLED') or 0),",
            "    libdir=c('LIBDIR') or '', instsoname=c('INSTSONAME') or '',",
            "    ldlibrary=c('LDLIBRARY') or '', multiarch=c('MULTIARCH') or '')))",
            "");
    private static final long PROBE_TIMEOUT_SECONDS = 30;

    private final Map<String, String> environment;

    /** A locator reading this process's environment ({@code PATH}, {@code VIRTUAL_ENV}). */
    public PythonLocator() {
        this(System.getenv());
    }

    /** A locator reading the given environment instead of this process's (for tests and launchers). */
    public PythonLocator(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /**
     * Finds and probes the interpreter.
     *
     * @param explicit a path ({@code /opt/venv/bin/python}, {@code ./py}) or a command name
     *                 ({@code python3.12}), or {@code null} / empty to use the virtualenv or PATH
     */
    public PythonInstallation locate(String explicit) {
        return probe(find(explicit));
    }

    /** The interpreter that {@link #locate} would probe, absolute, symlinks not resolved. */
    public Path find(String explicit) {
        if (explicit != null && !explicit.isEmpty()) {
            if (explicit.indexOf('/') >= 0) {
                Path path = Path.of(explicit).toAbsolutePath().normalize();
                if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                    throw new PythonSetupException("Python interpreter not found: " + path
                            + (Files.exists(path) ? " is not an executable file" : " does not exist")
                            + " (given as '" + explicit + "')");
                }
                return path;
            }
            Path found = onPath(explicit);
            if (found == null) {
                throw new PythonSetupException("Python interpreter not found: no executable '" + explicit
                        + "' on PATH (" + environment.getOrDefault("PATH", "unset") + ")");
            }
            return found;
        }
        List<String> tried = new ArrayList<>();
        String venv = environment.get("VIRTUAL_ENV");
        if (venv != null && !venv.isEmpty()) {
            Path path = Path.of(venv, "bin", "python").toAbsolutePath().normalize();
            if (Files.isRegularFile(path) && Files.isExecutable(path)) {
                return path;
            }
            tried.add(path + " (from VIRTUAL_ENV): not an executable file");
        }
        Path found = onPath("python3");
        if (found != null) {
            return found;
        }
        tried.add("python3 on PATH (" + environment.getOrDefault("PATH", "unset") + "): not found");
        throw new PythonSetupException("Python interpreter not found; tried " + String.join("; ", tried)
                + ". Name one with --python or YIMMO_PYTHON, or activate a virtualenv.");
    }

    private Path onPath(String command) {
        String path = environment.get("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, command).toAbsolutePath().normalize();
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Runs the probe with {@code executable} and checks the answer. */
    public PythonInstallation probe(Path executable) {
        ProcessBuilder builder = new ProcessBuilder(executable.toString(), "-E", "-s", "-c", PROBE);
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new PythonSetupException("could not run the Python interpreter " + executable + ": " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        byte[] stdout = readAll(process.getInputStream());
        String errors;
        int status;
        try {
            if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new PythonSetupException("the Python interpreter " + executable + " did not answer the probe within "
                        + PROBE_TIMEOUT_SECONDS + " s");
            }
            status = process.exitValue();
            errors = new String(stderr.get(), StandardCharsets.UTF_8).strip();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new PythonSetupException("interrupted while probing " + executable, e);
        } catch (ExecutionException e) {
            throw new PythonSetupException("could not read the probe's stderr from " + executable, e.getCause());
        }
        String out = new String(stdout, StandardCharsets.UTF_8);
        String answer = null;
        for (String line : out.split("\n")) {
            if (line.startsWith(PROBE_MARK)) {
                answer = line.substring(PROBE_MARK.length()).strip();
            }
        }
        if (status != 0 || answer == null) {
            throw new PythonSetupException("the Python interpreter " + executable + " failed the probe (exit status "
                    + status + ")" + (errors.isEmpty() ? "; it printed nothing on stderr" : ":\n" + errors));
        }
        Map<String, Object> fields;
        try {
            fields = FlatJson.parse(answer);
        } catch (IllegalArgumentException e) {
            throw new PythonSetupException("the Python interpreter " + executable + " gave an unreadable probe answer: "
                    + answer, e);
        }
        return check(executable, fields);
    }

    private static PythonInstallation check(Path given, Map<String, Object> f) {
        int major = integer(f, "major");
        int minor = integer(f, "minor");
        int micro = integer(f, "micro");
        String version = major + "." + minor + "." + micro;
        String who = given + " (Python " + version + ")";
        if (major != 3 || minor < MIN_MINOR) {
            throw new PythonSetupException(who + " is not supported: yimmo needs Python 3." + MIN_MINOR
                    + " to 3." + MAX_MINOR + ". Name a newer interpreter with --python or YIMMO_PYTHON.");
        }
        if (minor > MAX_MINOR) {
            throw new PythonSetupException(who + " is not supported yet: yimmo is tested with Python 3." + MIN_MINOR
                    + " to 3." + MAX_MINOR + ". It starts the interpreter with Py_SetProgramName, which 3.14 deprecates"
                    + " in favour of PyInitConfig (PEP 741) and later versions remove, and 3.14 changed how threads"
                    + " behave at finalisation. Use Python 3." + MAX_MINOR + " or older.");
        }
        if (integer(f, "gil_disabled") != 0) {
            throw new PythonSetupException(who + " is a free-threaded build (Py_GIL_DISABLED): yimmo supports only"
                    + " builds with the GIL. Use the regular python3." + minor + " of the same installation.");
        }
        String libdir = string(f, "libdir");
        String soname = string(f, "instsoname");
        if (integer(f, "shared") == 0) {
            throw new PythonSetupException(who + " has no shared libpython (it was built without --enable-shared),"
                    + " so it cannot be embedded. Use a Python built with --enable-shared: on Debian/Ubuntu the system"
                    + " python3 together with the package libpython3." + minor + "; with pyenv, reinstall with"
                    + " PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install --force " + version
                    + "; a virtualenv made from such a Python works too.");
        }
        Set<Path> candidates = new LinkedHashSet<>();
        String ldlibrary = string(f, "ldlibrary");
        String multiarch = string(f, "multiarch");
        if (!libdir.isEmpty()) {
            if (!soname.isEmpty()) {
                candidates.add(Path.of(libdir, soname));
            }
            if (ldlibrary.contains(".so")) {
                candidates.add(Path.of(libdir, ldlibrary));
            }
            if (!multiarch.isEmpty() && !soname.isEmpty()) {
                candidates.add(Path.of(libdir, multiarch, soname));
            }
        }
        Path basePrefix = Path.of(string(f, "base_prefix"));
        if (!soname.isEmpty()) {
            candidates.add(basePrefix.resolve("lib").resolve(soname));
        }
        Path library = null;
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                library = candidate;
                break;
            }
        }
        if (library == null) {
            throw new PythonSetupException(who + " says it has a shared libpython (" + soname + " in " + libdir
                    + "), but it is not there (looked for " + candidates + "). On Debian/Ubuntu install the package"
                    + " libpython3." + minor + "; otherwise reinstall this Python with --enable-shared.");
        }
        String reported = string(f, "executable");
        Path executable = reported.isEmpty() ? given : Path.of(reported);
        return new PythonInstallation(executable, major, minor, micro, library,
                Path.of(string(f, "prefix")), basePrefix);
    }

    private static int integer(Map<String, Object> fields, String key) {
        if (fields.get(key) instanceof Long value) {
            return Math.toIntExact(value);
        }
        throw new PythonSetupException("the Python probe's answer lacks the number '" + key + "': " + fields);
    }

    private static String string(Map<String, Object> fields, String key) {
        Object value = fields.get(key);
        if (value instanceof String text) {
            return text;
        }
        throw new PythonSetupException("the Python probe's answer lacks the text '" + key + "': " + fields);
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the probe's one flat JSON object: string, integer, boolean and null values only. */
    static final class FlatJson {
        private final String text;
        private int at;

        private FlatJson(String text) {
            this.text = text;
        }

        static Map<String, Object> parse(String text) {
            FlatJson json = new FlatJson(text);
            Map<String, Object> fields = json.object();
            json.space();
            if (json.at != text.length()) {
                throw json.error("trailing text");
            }
            return fields;
        }

        private Map<String, Object> object() {
            Map<String, Object> fields = new HashMap<>();
            expect('{');
            space();
            if (peek() == '}') {
                at++;
                return fields;
            }
            while (true) {
                space();
                String key = string();
                space();
                expect(':');
                space();
                fields.put(key, value());
                space();
                char c = next();
                if (c == '}') {
                    return fields;
                }
                if (c != ',') {
                    throw error("expected , or }");
                }
            }
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                int start = at++;
                while (at < text.length() && Character.isDigit(text.charAt(at))) {
                    at++;
                }
                return Long.parseLong(text.substring(start, at));
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (text.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            throw error("unexpected value");
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw error("short \\u escape");
                        }
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> throw error("bad escape");
                }
            }
        }

        private void space() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private char peek() {
            if (at >= text.length()) {
                throw error("unexpected end");
            }
            return text.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw error("expected " + c);
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at " + at + " in " + text);
        }
    }
}
