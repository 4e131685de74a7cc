package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hello app under each supported Python (pyenv 3.10, 3.12, 3.13 and Debian's 3.11, chosen
 * with --python) and inside a virtualenv activated the usual way (VIRTUAL_ENV and PATH, no
 * --python): the venv's interpreter is the one embedded, its site-packages are importable, and
 * a request can run {@code sys.executable} in a subprocess.
 */
class PythonVersionsTest {

    @TempDir
    Path dir;

    private static void assertContains(String haystack, String needle) {
        assertTrue(haystack.contains(needle), () -> "expected '" + needle + "' in:\n" + haystack);
    }

    private static Path pyenvRoot() throws Exception {
        String root = System.getenv("PYENV_ROOT");
        Path base = root != null && !root.isEmpty() ? Path.of(root) : Path.of(System.getProperty("user.home"), ".pyenv");
        if (Files.isDirectory(base.resolve("versions"))) {
            return base;
        }
        Process process = new ProcessBuilder("pyenv", "root").redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0, "pyenv root: " + out);
        return Path.of(out);
    }

    private static Map<String, String> examplesOnPath() {
        return ServerProcess.env("PYTHONPATH", ServerProcess.EXAMPLES.toString());
    }

    private static void checkServes(ServerProcess server, String python, String version) throws Exception {
        HttpResponse<String> hello = server.get("/hello");
        assertEquals(200, hello.statusCode(), server::output);
        assertEquals("Hello, World!\n", hello.body());
        String report = server.get("/report?subprocess").body();
        assertContains(report, "\"executable\": \"" + python + "\"");
        assertContains(report, "\"version\": \"" + version);
        assertContains(report, "\"subprocess\": [0, \"1\"]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.10.13", "3.12.1", "3.13.0"})
    void pyenvPython(String version) throws Exception {
        String python = pyenvRoot().resolve("versions").resolve(version).resolve("bin").resolve("python3").toString();
        try (ServerProcess server = ServerProcess.start(List.of("--python", python, "-P", "0", "report:app"),
                examplesOnPath())) {
            checkServes(server, python, version);
            assertEquals(0, server.stop(), server::output);
        }
    }

    @Test
    void debianPython() throws Exception {
        try (ServerProcess server = ServerProcess.start(List.of("--python", "/usr/bin/python3", "-P", "0", "report:app"),
                examplesOnPath())) {
            checkServes(server, "/usr/bin/python3", "3.11.");
        }
    }

    @Test
    void activatedVirtualenv() throws Exception {
        Path venv = dir.resolve("venv");
        Process make = new ProcessBuilder("/usr/bin/python3", "-m", "venv", "--without-pip", venv.toString())
                .redirectErrorStream(true).start();
        String out = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(60, TimeUnit.SECONDS) && make.exitValue() == 0, "venv: " + out);
        Path site;
        try (var found = Files.find(venv.resolve("lib"), 2, (p, a) -> p.getFileName().toString().equals("site-packages"))) {
            site = found.findFirst().orElseThrow();
        }
        Files.writeString(site.resolve("yimmo_marker.py"), "VALUE = 'from the venv'\n");

        Map<String, String> env = examplesOnPath();
        env.put("VIRTUAL_ENV", venv.toString());
        env.put("PATH", venv.resolve("bin") + ":" + System.getenv("PATH"));
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "report:app"), env)) {
            String report = server.get("/report?marker").body();
            assertContains(report, "\"marker\": \"from the venv\"");
            assertContains(report, "\"marker_file\": \"" + site.resolve("yimmo_marker.py") + "\"");
            assertContains(report, "\"prefix\": \"" + venv + "\"");
            assertContains(report, "\"executable\": \"" + venv.resolve("bin").resolve("python"));
            checkServes(server, venv.resolve("bin").resolve("python").toString(), "3.11.");
        }
    }
}
