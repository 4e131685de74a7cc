package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code yimmo-wsgi} server as a child process, run the way bin/yimmo-wsgi runs it (same main
 * class, same JVM options) on the test classpath, with the test applications of
 * {@code src/test/python} on PYTHONPATH and as the working directory. Python is the one the
 * command finds by itself ({@code python3} on PATH).
 *
 * <p>Standard output is read until the {@code listening on http://HOST:PORT/} line; standard
 * error (the server log, Python's stderr) is collected for assertions. {@link #close} stops the
 * server with SIGTERM and checks that it stopped cleanly.
 */
final class WsgiProcess implements AutoCloseable {

    static final Path APPS = Path.of("src", "test", "python").toAbsolutePath();
    /** The whole line, up to its end: with TLS and a plain port, both addresses are on it. */
    private static final Pattern LISTENING = Pattern.compile(
            "listening on (https?://([^:/]+):(\\d+)/)(?: and http://[^:/]+:(\\d+)/)?\\R");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final List<String> command;
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stdoutPump;
    private final Thread stderrPump;
    private URI uri;
    private String host;
    private int port;
    private int plainPort = -1;

    private WsgiProcess(List<String> command, Map<String, String> environment) throws IOException {
        this.command = command;
        ProcessBuilder builder = new ProcessBuilder(command).directory(APPS.toFile());
        builder.environment().put("PYTHONPATH", APPS.toString());
        builder.environment().put("PYTHONUNBUFFERED", "1");
        builder.environment().putAll(environment);
        process = builder.start();
        process.getOutputStream().close();
        stdoutPump = pump(process.getInputStream(), stdout, "stdout");
        stderrPump = pump(process.getErrorStream(), stderr, "stderr");
    }

    /**
     * As {@link #start}, with SIGHUP, SIGINT and SIGTERM ignored from the start, as a background
     * job of a script or nohup starts it (the shell that sets them up execs the server: same pid).
     */
    static WsgiProcess startWithSignalsIgnored(Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("bash", "-c", "trap '' HUP INT TERM; exec \"$@\"", "bash"));
        full.addAll(command(new ArrayList<>(List.of("--port", "0"))));
        full.addAll(List.of(args));
        WsgiProcess server = new WsgiProcess(full, environment);
        server.awaitListening();
        return server;
    }

    /** The signals this process ignores, as a mask (bit N-1 for signal N), from /proc. */
    long ignoredSignals() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("SigIgn:")) {
                return Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
            }
        }
        throw new AssertionError("no SigIgn line for " + process.pid());
    }

    /**
     * Starts {@code yimmo-wsgi --port 0 ARGS...} and waits until it listens.
     *
     * @param environment added to the child's environment (e.g. YIMMO_TEST_VALIDATE=1)
     */
    static WsgiProcess start(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("--port", "0"));
        full.addAll(List.of(args));
        WsgiProcess server = new WsgiProcess(command(full), environment);
        server.awaitListening();
        return server;
    }

    /**
     * Starts {@code bin/yimmo-wsgi --port 0 ARGS...}, the launcher itself (with the jars of
     * {@code mvn package}; for the integration tests), on the JVM running the test.
     */
    static WsgiProcess startWithLauncher(Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of("bin", "yimmo-wsgi").toAbsolutePath().toString(),
                "--port", "0"));
        command.addAll(List.of(args));
        Map<String, String> withJava = new HashMap<>(environment);
        withJava.put("JAVA_HOME", System.getProperty("java.home"));
        WsgiProcess server = new WsgiProcess(command, withJava);
        server.awaitListening();
        return server;
    }

    /** The command line of the running process, as the kernel has it (after the launcher's exec). */
    List<String> kernelCommandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
        return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
    }

    /** Runs {@code yimmo-wsgi ARGS...} to its exit (for the start-up failures). */
    static Finished run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        WsgiProcess child = new WsgiProcess(command(List.of(args)), environment);
        if (!child.process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            child.process.toHandle().destroyForcibly();
            throw new AssertionError("yimmo-wsgi " + List.of(args) + " did not exit; stderr:\n" + child.stderr);
        }
        child.stdoutPump.join(5000);
        child.stderrPump.join(5000);
        return new Finished(child.process.exitValue(), child.stdout.toString(), child.stderr.toString());
    }

    record Finished(int exitCode, String stdout, String stderr) {
    }

    private static List<String> command(List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // as bin/yimmo-wsgi: the select reactor wraps inherited sockets through sun.nio.ch
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                WsgiMain.class.getName()));
        command.addAll(args);
        return command;
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(stdout);
            if (m.find()) {
                uri = URI.create(m.group(1));
                host = m.group(2);
                port = Integer.parseInt(m.group(3));
                if (m.group(4) != null) {
                    plainPort = Integer.parseInt(m.group(4));
                }
                return;
            }
            if (!process.isAlive()) {
                stdoutPump.join(2000);
                stderrPump.join(2000);
                throw new AssertionError("yimmo-wsgi exited with " + process.exitValue() + " before listening: "
                        + command + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
            }
            Thread.sleep(20);
        }
        process.toHandle().destroyForcibly();
        throw new AssertionError("yimmo-wsgi did not listen within " + START_TIMEOUT + "\nstdout:\n" + stdout
                + "\nstderr:\n" + stderr);
    }

    /** {@code http://HOST:PORT/} ({@code https} with TLS) */
    URI uri() {
        return uri;
    }

    URI uri(String pathAndQuery) {
        return uri.resolve(pathAndQuery);
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    /** The extra plain-HTTP port next to TLS ({@code --plain-port}), or -1. */
    int plainPort() {
        return plainPort;
    }

    long pid() {
        return process.pid();
    }

    /** The server log (standard error) so far. */
    String log() {
        return stderr.toString();
    }

    /** Standard output so far. */
    String stdout() {
        return stdout.toString();
    }

    /** The log from {@code offset} on (use {@code log().length()} as a mark). */
    String logSince(int offset) {
        return stderr.substring(Math.min(offset, stderr.length()));
    }

    /** Waits until the log after {@code offset} contains {@code text}; returns that part of the log. */
    String awaitLog(int offset, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String since = logSince(offset);
            if (since.contains(text)) {
                return since;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server log did not show '" + text + "' within " + timeout
                        + "; log since the mark:\n" + since);
            }
            Thread.sleep(20);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends {@code signal} (a number from {@link org.yimmo.posix.Processes}). */
    void signal(int signal) throws IOException {
        org.yimmo.posix.Processes.kill((int) process.pid(), signal);
    }

    /** The pids of this process's children now (the workers, when it is a manager). */
    List<Long> childPids() {
        return process.toHandle().children().map(ProcessHandle::pid).sorted().toList();
    }

    /** Waits until the process has {@code count} children (workers), at most {@code timeout}; returns their pids. */
    List<Long> awaitChildren(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (childPids().size() != count) {
            assertTrue(System.nanoTime() < deadline, () -> count + " workers expected, have " + childPids() + "; log:\n"
                    + log());
            Thread.sleep(20);
        }
        return childPids();
    }

    /** Kills the process and its descendants if they still run: the cleanup after a failed test. */
    void kill() {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.toHandle().destroyForcibly();
    }

    /** Waits for the exit and returns its status, with the output pumped to the end. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.toHandle().destroyForcibly();
            throw new AssertionError("yimmo-wsgi did not exit within " + timeout + "; log:\n" + stderr);
        }
        stdoutPump.join(5000);
        stderrPump.join(5000);
        return process.exitValue();
    }

    /**
     * Stops the server with SIGTERM (through the handle: Process.destroy() would close our end
     * of its pipes and lose the last lines of the log) and checks it stopped cleanly: the
     * server stopped gracefully and exited 0.
     */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            throw new AssertionError("the server died before the end of the tests (exit " + process.exitValue()
                    + "); log:\n" + stderr);
        }
        process.toHandle().destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.toHandle().destroyForcibly();
            throw new AssertionError("the server did not stop within 20 s of SIGTERM; log:\n" + stderr);
        }
        stdoutPump.join(5000);
        stderrPump.join(5000);
        assertEquals(0, process.exitValue(), () -> "exit status after SIGTERM (a graceful stop); log:\n" + stderr);
        assertTrue(stderr.toString().contains("yimmo-wsgi stopped"), () -> "a clean stop is logged; log:\n" + stderr);
    }

    private static Thread pump(InputStream stream, StringBuffer into, String name) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                char[] buffer = new char[8192];
                for (int n; (n = reader.read(buffer)) >= 0; ) {
                    into.append(buffer, 0, n);
                }
            } catch (IOException e) {
                into.append("\n[test harness: ").append(name).append(" read failed: ").append(e).append("]\n");
            }
        }, "wsgi-process-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** A loopback port free right now, for a test that must name a fixed port. */
    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** A test application file under {@link #APPS}. */
    static Path app(String name) {
        Path path = APPS.resolve(name);
        if (!Files.exists(path)) {
            throw new UncheckedIOException(new IOException("no test app " + path));
        }
        return path;
    }
}
