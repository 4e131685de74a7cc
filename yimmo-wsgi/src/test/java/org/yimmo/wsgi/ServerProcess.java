package org.yimmo.wsgi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A yimmo-wsgi child process for the command-line, framework and Python-version tests: {@code java
 * -cp <test classpath> org.yimmo.wsgi.WsgiMain ARGS} with a controlled environment (the parent's
 * {@code YIMMO_*} variables removed), output collected from both streams. {@link #start} waits for
 * the {@code listening on} line; {@link #run} waits for the exit. {@link #close} sends SIGTERM
 * ({@code toHandle().destroy()}, which leaves our pipes open so the last output is still read).
 */
final class ServerProcess implements AutoCloseable {

    static final Path APPS = Path.of("src/test/python-apps").toAbsolutePath();
    static final Path EXAMPLES = Path.of("examples").toAbsolutePath();
    private static final Pattern LISTENING = Pattern.compile("listening on https?://([^/]+):(\\d+)/");
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();
    private final CompletableFuture<Void> outDone;
    private final CompletableFuture<Void> errDone;
    private final CompletableFuture<Matcher> listening = new CompletableFuture<>();

    /** What a child that ran to its end did. */
    record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private ServerProcess(List<String> args, Map<String, String> env, Path cwd) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), WsgiMain.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("YIMMO_"));
        environment.remove("VIRTUAL_ENV");
        environment.putAll(env);
        process = builder.start();
        process.getOutputStream().close();
        outDone = pump(process.getInputStream(), out, true);
        errDone = pump(process.getErrorStream(), err, false);
    }

    /** Starts a server and waits until it listens; fails with its output if it exits first. */
    static ServerProcess start(List<String> args, Map<String, String> env) throws Exception {
        return start(args, env, APPS);
    }

    static ServerProcess start(List<String> args, Map<String, String> env, Path cwd) throws Exception {
        ServerProcess server = new ServerProcess(args, env, cwd);
        CompletableFuture<Object> exited = server.process.onExit().thenApply(p -> p);
        try {
            Object first = CompletableFuture.anyOf(server.listening, exited).get(60, TimeUnit.SECONDS);
            if (!(first instanceof Matcher)) {
                server.drain();
                throw new AssertionError("yimmo-wsgi exited with " + server.process.exitValue()
                        + " before listening:\n" + server.output());
            }
        } catch (java.util.concurrent.TimeoutException e) {
            server.close();
            throw new AssertionError("yimmo-wsgi did not listen within 60 s:\n" + server.output());
        }
        return server;
    }

    /** Runs yimmo-wsgi to its end (it must exit by itself within 60 s). */
    static Result run(List<String> args, Map<String, String> env) throws Exception {
        ServerProcess child = new ServerProcess(args, env, APPS);
        if (!child.process.waitFor(60, TimeUnit.SECONDS)) {
            child.close();
            throw new AssertionError("yimmo-wsgi did not exit within 60 s:\n" + child.output());
        }
        child.drain();
        return new Result(child.process.exitValue(), child.out.toString(), child.err.toString());
    }

    String host() {
        return listening.join().group(1);
    }

    int port() {
        return Integer.parseInt(listening.join().group(2));
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://" + host() + ":" + port() + pathAndQuery);
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    String stdout() {
        return out.toString();
    }

    String stderr() {
        return err.toString();
    }

    String output() {
        return "--- stdout:\n" + out + "--- stderr:\n" + err;
    }

    /** Waits until {@code text} shows in stdout (output is buffered by the server for a while). */
    void awaitStdout(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.indexOf(text) < 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in stdout within " + timeout + ":\n" + output());
            }
            Thread.sleep(20);
        }
    }

    /** SIGTERM, then the exit code (0 after a graceful stop). */
    int stop() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("yimmo-wsgi did not stop within 30 s of SIGTERM:\n" + output());
        }
        drain();
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private void drain() {
        try {
            CompletableFuture.allOf(outDone, errDone).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // what was read is kept
        }
    }

    private CompletableFuture<Void> pump(InputStream stream, StringBuffer into, boolean watch) {
        return CompletableFuture.runAsync(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    into.append(line).append('\n');
                    if (watch && !listening.isDone()) {
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            listening.complete(m);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, runnable -> {
            Thread thread = new Thread(runnable, "server-process-pump");
            thread.setDaemon(true);
            thread.start();
        });
    }

    static Map<String, String> env(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
