package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.core.config.Setting;

/**
 * The yimmo-wsgi command in child processes: help, version, every setting from each source with
 * precedence command line > environment > YAML > default (seen in the effective values the
 * report app shows, and in the DEBUG log of the configuration), MODULE:APP from each source,
 * the app-factory form, usage errors (exit 2) and the access log.
 */
class CommandLineTest {

    private static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    private static void assertContains(String haystack, String needle) {
        assertTrue(haystack.contains(needle), () -> "expected '" + needle + "' in:\n" + haystack);
    }

    private static void assertNotContains(String haystack, String needle) {
        assertFalse(haystack.contains(needle), () -> "unexpected '" + needle + "' in:\n" + haystack);
    }

    private static Path pyenv(String version) {
        String root = System.getenv("PYENV_ROOT");
        Path base = root != null && !root.isEmpty() ? Path.of(root) : Path.of(System.getProperty("user.home"), ".pyenv");
        return base.resolve("versions").resolve(version).resolve("bin").resolve("python3");
    }

    @Test
    void helpIsShapedLikeTheOriginal() throws Exception {
        for (String flag : List.of("--help", "-h")) {
            ServerProcess.Result result = ServerProcess.run(List.of(flag), Map.of());
            assertEquals(0, result.exitCode(), result::all);
            String help = result.stdout();
            assertTrue(help.startsWith("yimmo-wsgi " + Version.VERSION + "\nUsage: yimmo-wsgi [OPTIONS] WSGI_MODULE:WSGI_APP\n"),
                    help);
            int options = help.indexOf("\nOptions:\n");
            int environment = help.indexOf("\nEnvironment Variables:\n");
            int precedence = help.indexOf("\nConfiguration precedence (greatest to least):\n"
                    + "  - command line parameters\n  - environment variables\n  - config files\n");
            int example = help.indexOf("\n# Config Example:\n---\n");
            assertTrue(options > 0 && environment > options && precedence > environment && example > precedence, help);
            for (Setting<?> setting : WsgiSettings.all()) {
                setting.longOption().ifPresent(option -> assertContains(help.substring(options, environment), "  " + option));
                setting.shortOption().ifPresent(option -> assertContains(help, ", " + option));
                setting.environment().forEach(variable -> assertContains(help.substring(environment, precedence), "  " + variable + " "));
            }
            assertContains(help, "  --help, -h");
            assertContains(help, "  --version");
            assertContains(help, "YIMMO_WSGI_USE_KQUEUE");
            String yaml = help.substring(example);
            assertContains(yaml, "\nlog_level: INFO\n");
            assertContains(yaml, "\nwsgi:\n  port: 8081\n");
            assertContains(yaml, "  no_proc: 1\n");
            assertContains(yaml, "  no_threads: 1\n");
            assertContains(yaml, "  module: hello\n  app: app\n");
            assertContains(yaml, "\nserver:\n  idle_timeout: 5\n");
            assertEquals("", result.stderr());
        }
    }

    @Test
    void version() throws Exception {
        ServerProcess.Result result = ServerProcess.run(List.of("--version"), Map.of());
        assertEquals(0, result.exitCode(), result::all);
        assertEquals("yimmo-wsgi " + Version.VERSION + "\n", result.stdout());
    }

    /** The three layers, each run setting every setting and the lower layers set to other values. */
    @Test
    void everySettingFromEachLayerWithPrecedence() throws Exception {
        int yamlPort = WsgiProcess.freePort();
        int envPort = WsgiProcess.freePort();
        int cliPort = WsgiProcess.freePort();
        Path yamlLog = dir.resolve("yaml-access.log");
        Path envLog = dir.resolve("env-access.log");
        Path cliLog = dir.resolve("cli-access.log");
        Path yamlPython = DEBIAN_PYTHON;
        Path envPython = pyenv("3.12.1");
        Path cliPython = pyenv("3.10.13");
        Path config = dir.resolve("yimmo.yaml");

        // 1. YAML only (the file named by YIMMO_WSGI_CONFIG).
        Files.writeString(config, String.join("\n",
                "log_level: DEBUG",
                "server:",
                "  idle_timeout: 7",
                "wsgi:",
                "  port: " + yamlPort,
                "  bind: 127.0.0.1",
                "  reactor: select",
                "  no_proc: 1",
                "  no_threads: 2",
                "  module: report",
                "  app: app",
                "  python: " + yamlPython,
                "  pythonpath: /yaml/lib",
                "  script_name: /yaml",
                "  access_log: " + yamlLog,
                "  graceful_timeout: 11",
                "  timeout: 61",
                "  max_requests: 100000",
                "  max_requests_jitter: 1",
                "  max_failed_starts: 3",
                ""));
        try (ServerProcess server = ServerProcess.start(List.of(), ServerProcess.env("YIMMO_WSGI_CONFIG", config.toString()))) {
            String origin = "(" + config + ": ";
            assertSettings(server, "environment variable YIMMO_WSGI_CONFIG", config.toString(), origin,
                    List.of("log level = DEBUG " + origin + "log_level)",
                            "idle timeout = 7 " + origin + "server.idle_timeout)",
                            "port = " + yamlPort + " " + origin + "wsgi.port)",
                            "bind address = 127.0.0.1 " + origin + "wsgi.bind)",
                            "reactor = select " + origin + "wsgi.reactor)",
                            "processes = 1 " + origin + "wsgi.no_proc)",
                            "worker threads = 2 " + origin + "wsgi.no_threads)",
                            "WSGI module = report " + origin + "wsgi.module)",
                            "WSGI app = app " + origin + "wsgi.app)",
                            "python = " + yamlPython + " " + origin + "wsgi.python)",
                            "python path = /yaml/lib " + origin + "wsgi.pythonpath)",
                            "script name = /yaml " + origin + "wsgi.script_name)",
                            "access log = " + yamlLog + " " + origin + "wsgi.access_log)",
                            "graceful timeout = 11 " + origin + "wsgi.graceful_timeout)",
                            "timeout = 61 " + origin + "wsgi.timeout)",
                            "max requests = 100000 " + origin + "wsgi.max_requests)",
                            "max requests jitter = 1 " + origin + "wsgi.max_requests_jitter)",
                            "max failed starts = 3 " + origin + "wsgi.max_failed_starts)"));
            assertEffective(server, "127.0.0.1", yamlPort, 2, "/yaml", yamlPython, "3.11.", yamlLog);
        }

        // 2. The environment over the same file (named by -c); log level ERROR in the file, DEBUG in the environment.
        Files.writeString(config, Files.readString(config).replace("log_level: DEBUG", "log_level: ERROR"));
        Map<String, String> env = ServerProcess.env(
                "YIMMO_LOG_LEVEL", "DEBUG",
                "YIMMO_SERVER_IDLE_TIMEOUT", "8",
                "YIMMO_WSGI_PORT", Integer.toString(envPort),
                "YIMMO_WSGI_BIND", "127.0.0.2",
                "YIMMO_REACTOR", "auto",
                "YIMMO_WSGI_NO_PROC", "1",
                "YIMMO_WSGI_NO_THREADS", "3",
                "YIMMO_WSGI_MODULE", "report",
                "YIMMO_WSGI_APP", "app",
                "YIMMO_PYTHON", envPython.toString(),
                "YIMMO_WSGI_PYTHONPATH", "/env/lib,/env/lib2",
                "YIMMO_WSGI_SCRIPT_NAME", "/env",
                "YIMMO_WSGI_ACCESS_LOG", envLog.toString(),
                "YIMMO_WSGI_GRACEFUL_TIMEOUT", "12",
                "YIMMO_WSGI_TIMEOUT", "62",
                "YIMMO_WSGI_MAX_REQUESTS", "200000",
                "YIMMO_WSGI_MAX_REQUESTS_JITTER", "2",
                "YIMMO_WSGI_MAX_FAILED_STARTS", "4");
        try (ServerProcess server = ServerProcess.start(List.of("-c", config.toString()), env)) {
            assertSettings(server, "command line option -c", config.toString(), "(environment variable ",
                    List.of("log level = DEBUG (environment variable YIMMO_LOG_LEVEL)",
                            "idle timeout = 8 (environment variable YIMMO_SERVER_IDLE_TIMEOUT)",
                            "port = " + envPort + " (environment variable YIMMO_WSGI_PORT)",
                            "bind address = 127.0.0.2 (environment variable YIMMO_WSGI_BIND)",
                            "reactor = auto (environment variable YIMMO_REACTOR)",
                            "processes = 1 (environment variable YIMMO_WSGI_NO_PROC)",
                            "worker threads = 3 (environment variable YIMMO_WSGI_NO_THREADS)",
                            "WSGI module = report (environment variable YIMMO_WSGI_MODULE)",
                            "WSGI app = app (environment variable YIMMO_WSGI_APP)",
                            "python = " + envPython + " (environment variable YIMMO_PYTHON)",
                            "python path = /env/lib,/env/lib2 (environment variable YIMMO_WSGI_PYTHONPATH)",
                            "script name = /env (environment variable YIMMO_WSGI_SCRIPT_NAME)",
                            "access log = " + envLog + " (environment variable YIMMO_WSGI_ACCESS_LOG)",
                            "graceful timeout = 12 (environment variable YIMMO_WSGI_GRACEFUL_TIMEOUT)",
                            "timeout = 62 (environment variable YIMMO_WSGI_TIMEOUT)",
                            "max requests = 200000 (environment variable YIMMO_WSGI_MAX_REQUESTS)",
                            "max requests jitter = 2 (environment variable YIMMO_WSGI_MAX_REQUESTS_JITTER)",
                            "max failed starts = 4 (environment variable YIMMO_WSGI_MAX_FAILED_STARTS)"));
            assertEffective(server, "127.0.0.2", envPort, 3, "/env", envPython, "3.12.1", envLog);
        }

        // 3. The command line over both; log level ERROR in the environment, DEBUG on the command line.
        env.put("YIMMO_LOG_LEVEL", "ERROR");
        env.put("YIMMO_WSGI_CONFIG", config.toString());
        List<String> args = new ArrayList<>(List.of("--config", config.toString(), "-l", "DEBUG", "--idle-timeout", "9",
                "-P", Integer.toString(cliPort), "--bind=127.0.0.3", "--reactor", "select", "-p", "1", "-t4",
                "--python", cliPython.toString(), "--pythonpath", "/cli/lib", "--script-name", "/cli", "--access-log", cliLog.toString(),
                "--graceful-timeout", "13", "--timeout", "63", "--max-requests", "300000", "--max-requests-jitter", "3",
                "--max-failed-starts", "6", "report:app"));
        try (ServerProcess server = ServerProcess.start(args, env)) {
            assertSettings(server, "command line option --config", config.toString(), "(command line ",
                    List.of("log level = DEBUG (command line option -l)",
                            "idle timeout = 9 (command line option --idle-timeout)",
                            "port = " + cliPort + " (command line option -P)",
                            "bind address = 127.0.0.3 (command line option --bind)",
                            "reactor = select (command line option --reactor)",
                            "processes = 1 (command line option -p)",
                            "worker threads = 4 (command line option -t)",
                            "WSGI module = report (command line argument MODULE:APP)",
                            "WSGI app = app (command line argument MODULE:APP)",
                            "python = " + cliPython + " (command line option --python)",
                            "python path = /cli/lib (command line option --pythonpath)",
                            "script name = /cli (command line option --script-name)",
                            "access log = " + cliLog + " (command line option --access-log)",
                            "graceful timeout = 13 (command line option --graceful-timeout)",
                            "timeout = 63 (command line option --timeout)",
                            "max requests = 300000 (command line option --max-requests)",
                            "max requests jitter = 3 (command line option --max-requests-jitter)",
                            "max failed starts = 6 (command line option --max-failed-starts)"));
            assertEffective(server, "127.0.0.3", cliPort, 4, "/cli", cliPython, "3.10.13", cliLog);
        }
    }

    /** Every setting of WsgiSettings.all() is in the DEBUG description with the expected origin. */
    private static void assertSettings(ServerProcess server, String configOrigin, String configPath, String originPrefix,
            List<String> expected) {
        String log = server.stderr();
        assertContains(log, "setting config file = " + configPath + " (" + configOrigin + ")");
        for (String line : expected) {
            assertContains(log, "setting " + line);
        }
        // The TLS settings need certificate files and an HTTPS client: WsgiTlsTest covers them.
        assertEquals(WsgiSettings.all().size() - WsgiSettings.TLS.size(), expected.size() + 1, "a setting is not covered");
        for (Setting<?> setting : WsgiSettings.all()) {
            assertTrue(log.contains("setting " + setting.name() + " = "), () -> setting + " not described:\n" + log);
        }
        assertContains(log, originPrefix);
    }

    private static void assertEffective(ServerProcess server, String host, int port, int threads, String scriptName,
            Path python, String version, Path accessLog) throws Exception {
        assertEquals(host, server.host());
        assertEquals(port, server.port());
        HttpResponse<String> response = server.get(scriptName + "/x?q=1");
        assertEquals(200, response.statusCode(), response.body());
        String body = response.body();
        assertContains(body, "\"threads\": " + threads);
        assertContains(body, "\"processes\": 1");
        assertContains(body, "\"reactor\": \"select\"");
        assertContains(body, "\"script_name\": \"" + scriptName + "\"");
        assertContains(body, "\"path_info\": \"/x\"");
        assertContains(body, "\"server_port\": \"" + port + "\"");
        assertContains(body, "\"multithread\": " + (threads > 1 ? "true" : "false"));
        assertContains(body, "\"executable\": \"" + python + "\"");
        assertContains(body, "\"version\": \"" + version);
        // The access log: the line shows within the writer's idle period.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String log = "";
        while (!log.contains("\"GET " + scriptName + "/x?q=1 HTTP/1.1\" 200 ") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            log = Files.exists(accessLog) ? Files.readString(accessLog) : "";
        }
        assertContains(log, "\"GET " + scriptName + "/x?q=1 HTTP/1.1\" 200 " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    @Test
    void moduleAndAppFromEachSource() throws Exception {
        Path config = dir.resolve("app.yaml");
        Files.writeString(config, "wsgi:\n  port: 0\n  module: other_module\n  app: app\n");
        try (ServerProcess server = ServerProcess.start(List.of("-c", config.toString()), Map.of())) {
            assertEquals("{\"app\": \"other_module.app\"}", server.get("/").body());
        }
        Map<String, String> env = ServerProcess.env("YIMMO_WSGI_MODULE", "report", "YIMMO_WSGI_APP", "other");
        try (ServerProcess server = ServerProcess.start(List.of("-c", config.toString()), env)) {
            assertEquals("{\"app\": \"report.other\"}", server.get("/").body());
        }
        // The positional argument wins, and may be a call evaluated in the module.
        try (ServerProcess server = ServerProcess.start(List.of("-c", config.toString(), "report:make(\"cli\")"), env)) {
            HttpResponse<String> response = server.get("/");
            assertEquals(201, response.statusCode());
            assertEquals("{\"app\": \"report.make:cli\"}", response.body());
        }
        // Only the module from the environment, the app from the file: each setting resolves on its own.
        try (ServerProcess server = ServerProcess.start(List.of("-c", config.toString()),
                ServerProcess.env("YIMMO_WSGI_MODULE", "report"))) {
            assertContains(server.get("/").body(), "\"app\": \"report.app\"");
        }
    }

    @Test
    void appFactoryExample() throws Exception {
        try (ServerProcess server = ServerProcess.start(List.of("--port", "0", "hello_factory:create_app(\"my_config.cfg\")"),
                Map.of(), ServerProcess.EXAMPLES)) {
            HttpResponse<String> response = server.get("/");
            assertEquals(200, response.statusCode());
            assertContains(response.body(), "<p>Hello, world!</p>");
            assertContains(response.body(), "configured from my_config.cfg, served by yimmo-wsgi/" + Version.VERSION);
            assertContains(server.stdout(), "Load some configuration from: my_config.cfg");
            assertEquals(0, server.stop(), server::output);
            assertContains(server.stderr(), "yimmo-wsgi stopped");
        }
        try (ServerProcess server = ServerProcess.start(List.of("--port", "0", "hello:app"), Map.of(), ServerProcess.EXAMPLES)) {
            assertEquals("Hello, World!\n", server.get("/").body());
        }
    }

    /** --pythonpath: the app is found in a directory that is not the working directory, listed order first. */
    @Test
    void pythonPathPutsDirectoriesFirstOnSysPath() throws Exception {
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));
        Files.writeString(second.resolve("elsewhere_app.py"), String.join("\n",
                "import sys",
                "def app(environ, start_response):",
                "    start_response('200 OK', [('Content-Type', 'text/plain')])",
                "    return ['\\n'.join(sys.path[:2]).encode()]",
                ""));
        try (ServerProcess server = ServerProcess.start(List.of("--port", "0", "--pythonpath", first + "," + second,
                "elsewhere_app:app"), Map.of())) {
            assertEquals(first + "\n" + second, server.get("/").body());
        }
        assertUsageError(List.of("--pythonpath", "a,,b", "report:app"), Map.of(),
                "invalid python path: 'a,,b' from command line option --pythonpath: expected comma-separated directories");
    }

    @Test
    void invalidValuesExit2NamingKeyValueAndSource() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "wsgi:\n  port: 99999\n");
        assertUsageError(List.of("--port", "99999", "hello:app"), Map.of(),
                "invalid port: '99999' from command line option --port: expected an integer from 0 to 65535");
        assertUsageError(List.of("-P99999", "hello:app"), Map.of(),
                "invalid port: '99999' from command line option -P: expected an integer from 0 to 65535");
        assertUsageError(List.of("hello:app"), ServerProcess.env("YIMMO_WSGI_PORT", "99999"),
                "invalid port: '99999' from environment variable YIMMO_WSGI_PORT: expected an integer from 0 to 65535");
        assertUsageError(List.of("-c", config.toString(), "hello:app"), Map.of(),
                "invalid port: '99999' from " + config + ": wsgi.port: expected an integer from 0 to 65535");
        assertUsageError(List.of("-t", "0", "hello:app"), Map.of(),
                "invalid worker threads: '0' from command line option -t: expected an integer from 1 to 1024");
        assertUsageError(List.of("hello:app"), ServerProcess.env("YIMMO_WSGI_NO_THREADS", "0"),
                "invalid worker threads: '0' from environment variable YIMMO_WSGI_NO_THREADS");
        assertUsageError(List.of("--reactor", "nope", "hello:app"), Map.of(),
                "invalid reactor: 'nope' from command line option --reactor: expected one of auto, select, epoll, kqueue");
        assertUsageError(List.of("hello:app"), ServerProcess.env("YIMMO_REACTOR", "nope"),
                "invalid reactor: 'nope' from environment variable YIMMO_REACTOR");
        assertUsageError(List.of("--script-name", "app/", "hello:app"), Map.of(),
                "invalid script name: 'app/' from command line option --script-name: expected a URL path starting with '/'");
        assertUsageError(List.of("hello"), Map.of(),
                "invalid application 'hello' from command line argument MODULE:APP: expected MODULE:APP");
        assertUsageError(List.of("--bogus", "hello:app"), Map.of(), "unknown option --bogus");
        assertUsageError(List.of("--access-log", dir.resolve("no/such/dir/log").toString(), "hello:app"), Map.of(),
                "cannot open access log '" + dir.resolve("no/such/dir/log") + "' from command line option --access-log");
    }

    @Test
    void missingApplicationExits2() throws Exception {
        assertUsageError(List.of(), Map.of(), "missing WSGI module: give the MODULE:APP argument, or set YIMMO_WSGI_MODULE");
        assertUsageError(List.of(), ServerProcess.env("YIMMO_WSGI_MODULE", "hello"),
                "missing WSGI app: give the MODULE:APP argument, or set YIMMO_WSGI_APP");
    }

    @Test
    void processManagerChecksThePythonBeforeStartingWorkers() throws Exception {
        ServerProcess.Result result = ServerProcess.run(List.of("--no-proc", "2", "--python", "/nonexistent/python3",
                "hello:app"), Map.of());
        assertEquals(2, result.exitCode(), result::all);
        assertContains(result.stderr(), "yimmo-wsgi: ");
        assertContains(result.stderr(), "/nonexistent/python3");
        assertFalse(result.stderr().contains("worker"), result::all);
    }

    private static void assertUsageError(List<String> args, Map<String, String> env, String message) throws Exception {
        ServerProcess.Result result = ServerProcess.run(args, env);
        assertEquals(2, result.exitCode(), () -> args + " " + env + ":\n" + result.all());
        assertContains(result.stderr(), "yimmo-wsgi: " + message);
        assertEquals("", result.stdout());
    }

    @Test
    void accessLogToStdoutIsCombinedFormatAndOffByDefault() throws Exception {
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "-l", "WARNING", "--access-log", "-", "report:app"),
                Map.of())) {
            String response;
            try (java.net.Socket socket = new java.net.Socket(server.host(), server.port())) {
                socket.getOutputStream().write(("GET /a%20b?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "User-Agent: tester \"quoted\" \\ \u00e9\r\nReferer: http://example.com/from\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
            int length = response.substring(response.indexOf("\r\n\r\n") + 4).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            server.send(java.net.http.HttpRequest.newBuilder(server.uri("/head")).method("HEAD",
                    java.net.http.HttpRequest.BodyPublishers.noBody()));
            server.awaitStdout("\"HEAD /head HTTP/1.1\"", Duration.ofSeconds(10));
            HttpResponse<String> failed = server.get("/boom?raise");
            assertEquals(500, failed.statusCode());
            server.awaitStdout("\"GET /boom?raise HTTP/1.1\" 500 " + failed.body().length() + " ", Duration.ofSeconds(10));
            String[] lines = server.stdout().split("\n");
            assertEquals(4, lines.length, server::output);
            String expectedTail = " \"GET /a%20b?x=1 HTTP/1.1\" 200 " + length
                    + " \"http://example.com/from\" \"tester \\\"quoted\\\" \\\\ \\xc3\\xa9\"";
            assertTrue(lines[1].matches("127\\.0\\.0\\.1 - - \\[\\d\\d/[A-Z][a-z][a-z]/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}]"
                    + java.util.regex.Pattern.quote(expectedTail)), lines[1] + "\n" + expectedTail);
            assertTrue(lines[2].matches("127\\.0\\.0\\.1 - - \\[[^]]+] \"HEAD /head HTTP/1\\.1\" 200 - \"-\" \"[^\"]+\""), lines[2]);
            assertNotContains(server.stderr(), "[INFO]");
        }
        // Off by default: stdout has only the listening line.
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "report:app"), Map.of())) {
            assertEquals(200, server.get("/").statusCode());
            Thread.sleep(300);
            assertEquals(1, server.stdout().split("\n").length, server::output);
            assertContains(server.stderr(), "[INFO]");
        }
    }

    @Test
    void accessLogFileIsAppendedToAndFlushedAtStop() throws Exception {
        Path log = dir.resolve("access.log");
        Files.writeString(log, "earlier line\n");
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "-t", "4", "--access-log", log.toString(),
                "report:app"), Map.of())) {
            for (int i = 0; i < 50; i++) {
                assertEquals(200, server.get("/n" + i).statusCode());
            }
            assertEquals(0, server.stop(), server::output);
        }
        List<String> lines = Files.readAllLines(log);
        assertEquals("earlier line", lines.get(0));
        assertEquals(1 + 50, lines.size(), String.join("\n", lines));
        for (int i = 0; i < 50; i++) {
            assertContains(lines.get(1 + i), "\"GET /n" + i + " HTTP/1.1\" 200 ");
        }
    }
}
