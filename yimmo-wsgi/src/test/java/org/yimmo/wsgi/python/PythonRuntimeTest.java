package org.yimmo.wsgi.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real CPython in child JVMs ({@link PythonChild}), one per interpreter because a JVM hosts one
 * libpython. All children start together in {@link #launch()} and each test waits for its own.
 */
class PythonRuntimeTest {

    private static final String MARKER = "yimmo_venv_marker";
    private static final Map<String, CompletableFuture<Child>> CHILDREN = new HashMap<>();
    private static Path temp;
    private static Path venvPython;

    /** A finished child: its exit status and its {@code key=value} lines (and the whole output). */
    record Child(int status, Map<String, String> values, String output) {
        String get(String key) {
            assertTrue(values.containsKey(key), "child printed no " + key + ":\n" + output);
            return values.get(key);
        }
    }

    @BeforeAll
    static void launch() throws Exception {
        temp = Files.createTempDirectory("yimmo-python-test");
        venvPython = PythonTestSupport.virtualenv(PythonTestSupport.DEBIAN_PYTHON, temp.resolve("venv"), MARKER, "from-venv");
        CHILDREN.put("debian", start("full", PythonTestSupport.DEBIAN_PYTHON.toString()));
        for (String version : PythonTestSupport.PYENV_SUPPORTED) {
            CHILDREN.put(version, start("full", PythonTestSupport.pyenvPython(version).toString()));
        }
        CHILDREN.put("venv", start("venv", venvPython.toString(), MARKER));
        CHILDREN.put("sigterm", startSigterm());
    }

    @AfterAll
    static void cleanUp() throws IOException {
        for (CompletableFuture<Child> child : CHILDREN.values()) {
            child.cancel(true);
        }
        if (temp != null) {
            try (Stream<Path> paths = Files.walk(temp)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void shouldRunDebianPythonWithThreadsTracebacksAndFinalize() throws Exception {
        Child child = CHILDREN.get("debian").get(60, TimeUnit.SECONDS);
        assertEquals(PythonTestSupport.DEBIAN_LIBRARY.toString(), child.get("library"));
        assertEquals("/usr/bin/python3", child.get("executable"));
        assertEquals("/usr", child.get("prefix"));
        assertTrue(child.get("version").startsWith("3.11."), child.output());
        assertFull(child, "3.11", "/usr");
    }

    @Test
    void shouldRunEachPyenvBuild() throws Exception {
        for (String version : PythonTestSupport.PYENV_SUPPORTED) {
            Child child = CHILDREN.get(version).get(60, TimeUnit.SECONDS);
            Path python = PythonTestSupport.pyenvPython(version);
            Path home = python.getParent().getParent();
            assertEquals(version, child.get("version"), child.output());
            assertEquals(python.toString(), child.get("executable"), "sys.executable is the python given");
            assertEquals(home.toString(), child.get("prefix"));
            assertTrue(child.get("library").startsWith(home + "/lib/"), child.output());
            assertFull(child, version.substring(0, version.lastIndexOf('.')), home.toString());
        }
    }

    @Test
    void shouldRunInVirtualenv() throws Exception {
        Child child = CHILDREN.get("venv").get(60, TimeUnit.SECONDS);
        assertEquals(0, child.status(), child.output());
        String venv = temp.resolve("venv").toString();
        assertEquals(venvPython.toString(), child.get("executable"));
        assertEquals(venv, child.get("prefix"));
        assertEquals("/usr", child.get("base_prefix"));
        assertEquals("from-venv", child.get("marker"));
        assertTrue(child.get("marker_file").startsWith(venv + "/lib/"), child.output());
        assertEquals("3.11 " + venv, child.get("subprocess"), "subprocess runs the venv's python");
        assertEquals("0", child.get("finalize"));
    }

    @Test
    void shouldRunShutdownHookOnSigtermDuringPythonLoop() throws Exception {
        Child child = CHILDREN.get("sigterm").get(60, TimeUnit.SECONDS);
        assertEquals(143, child.status(), child.output());
        assertEquals("ran", child.get("hook"));
        assertEquals("skipped", child.get("hook_finalize"), "a thread inside Python cannot be finalised under");
    }

    private static void assertFull(Child child, String minor, String prefix) {
        assertEquals(0, child.status(), child.output());
        assertTrue(child.get("imports").startsWith("ok "), child.output());
        assertEquals(minor + " " + prefix, child.get("subprocess"), "subprocess.run([sys.executable, ...])");
        assertEquals("ValueError", child.get("traceback_type"));
        assertEquals("boom from python", child.get("traceback_message"));
        assertEquals("true", child.get("traceback_has_frames"), child.output());
        assertEquals("ValueError: boom from python", child.get("traceback_last_line"));
        assertEquals("true", child.get("error_cleared"));
        assertEquals("[]", child.get("threads_failures"));
        assertEquals("400000", child.get("threads_returned"));
        assertEquals("400000", child.get("threads_hits"));
        assertEquals("1", child.get("attached_after_threads"), "the workers detached");
        assertEquals("0", child.get("finalize"), "Py_FinalizeEx after the workers detached");
        assertEquals("refused", child.get("attach_after_close"));
    }

    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), PythonChild.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private static CompletableFuture<Child> start(String... args) throws IOException {
        Process process = new ProcessBuilder(command(args)).redirectErrorStream(true).start();
        return CompletableFuture.supplyAsync(() -> collect(process, null));
    }

    /** The sigterm child: SIGTERM once it says it is looping in Python. */
    private static CompletableFuture<Child> startSigterm() throws IOException {
        Process process = new ProcessBuilder(command("sigterm", PythonTestSupport.DEBIAN_PYTHON.toString()))
                .redirectErrorStream(true).start();
        return CompletableFuture.supplyAsync(() -> collect(process, "looping=true"));
    }

    private static Child collect(Process process, String terminateAfter) {
        Map<String, String> values = new HashMap<>();
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
                if (line.equals(terminateAfter)) {
                    Thread.sleep(200); // well inside the Python loop
                    process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our pipe)
                }
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("child did not exit:\n" + output);
            }
            return new Child(process.exitValue(), values, output.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
