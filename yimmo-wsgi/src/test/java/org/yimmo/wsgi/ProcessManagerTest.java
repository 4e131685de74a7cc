package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.posix.Processes;

/**
 * The process manager ({@code --no-proc} above 1) as real processes under real signals, with
 * load on loopback: worker deaths, reloads, retirements and stops must not fail requests other
 * than those inside a killed worker. With TLS and {@code --plain-port}, every worker serves both
 * ports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessManagerTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessCleanup processes = new ProcessCleanup();

    private static final Duration READY = Duration.ofSeconds(60);
    private static final Pattern READY_LINE = Pattern.compile("worker \\d+ \\(pid (\\d+)\\) ready");

    private WsgiProcess manager(String... args) throws Exception {
        return manager(Map.of(), args);
    }

    private WsgiProcess manager(Map<String, String> env, String... args) throws Exception {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "workers_app:app";
        return processes.track(WsgiProcess.start(env, all));
    }

    /** Waits until {@code count} more workers became ready after {@code mark}; their pids. */
    private static Set<Long> awaitReady(WsgiProcess server, int mark, int count) throws InterruptedException {
        long deadline = System.nanoTime() + READY.toNanos();
        while (true) {
            Set<Long> ready = new HashSet<>();
            Matcher m = READY_LINE.matcher(server.logSince(mark));
            while (m.find()) {
                ready.add(Long.parseLong(m.group(1)));
            }
            if (ready.size() >= count) {
                return ready;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(count + " workers not ready within " + READY + "; log:\n" + server.logSince(mark));
            }
            Thread.sleep(20);
        }
    }

    private static void stopGracefully(WsgiProcess server) throws Exception {
        server.signal(Processes.SIGTERM);
        assertEquals(0, server.awaitExit(Duration.ofSeconds(40)), () -> "exit after SIGTERM; log:\n" + server.log());
    }

    @Test
    void killedWorkerIsReplacedAndOnlyRequestsInsideItFail() throws Exception {
        WsgiProcess server = manager("-p", "2");
        Set<Long> first = awaitReady(server, 0, 2);
        try (LoadClient load = new LoadClient(server, 8)) {
            load.awaitAnswers(0, 500, 30_000);
            long victim = first.iterator().next();
            int mark = server.log().length();
            Processes.kill((int) victim, Processes.SIGKILL);
            server.awaitLog(mark, "died (killed by signal 9)", Duration.ofSeconds(10));
            Set<Long> replacement = awaitReady(server, mark, 1);
            long answered = load.answered();
            load.awaitAnswers(answered, 500, 30_000);
            Set<Long> survivors = new HashSet<>(first);
            survivors.remove(victim);
            for (LoadClient.Incident incident : load.incidents()) {
                assertTrue(incident.lastPid() == victim || incident.lastPid() == 0,
                        () -> "an incident on a connection of a surviving worker " + survivors + ": " + incident);
            }
            assertEquals(2, server.childPids().size(), () -> "two workers again: " + server.childPids());
            // The load's connections stay where they are (keep-alive); new ones reach the replacement.
            assertTrue(answeredByOnNewConnections(server, 200).containsAll(replacement), "the replacement serves");
        }
        stopGracefully(server);
    }

    @Test
    void reloadUnderLoadFailsNoRequestAndServesTheNewCode(@TempDir Path dir)
            throws Exception {
        Path marker = dir.resolve("marker.txt");
        Files.writeString(marker, "first");
        WsgiProcess server = manager(Map.of("YIMMO_TEST_MARKER_FILE", marker.toString()), "-p", "2");
        Set<Long> old = awaitReady(server, 0, 2);
        assertEquals(Set.of("first"), markers(server, 20));
        try (LoadClient load = new LoadClient(server, 8)) {
            load.awaitAnswers(0, 300, 30_000);
            Files.writeString(marker, "second");
            int mark = server.log().length();
            server.signal(Processes.SIGHUP);
            Set<Long> fresh = awaitReady(server, mark, 2);
            for (long pid : old) {
                server.awaitLog(mark, "(pid " + pid + ") exited (exit code 0)", Duration.ofSeconds(30));
            }
            long answered = load.answered();
            load.awaitAnswers(answered, 300, 30_000);
            assertEquals(List.of(), load.failures(), "no request fails during a reload");
            for (LoadClient.Incident retried : load.incidents()) {
                assertTrue(old.contains(retried.lastPid()), () -> "only an old worker closes a connection: " + retried);
            }
            // Which worker the reconnecting load lands on is the kernel's choice (all of it may go
            // to the first fresh worker); new connections show that both serve.
            assertEquals(fresh, answeredWithScheme(() -> new RawClient(server), "http", fresh), "the fresh workers serve");
            assertEquals(fresh, Set.copyOf(server.childPids()), "only the fresh workers are left");
        }
        assertEquals(Set.of("second"), markers(server, 20), "the fresh workers imported the application anew");
        stopGracefully(server);
    }

    @Test
    void maxRequestsReplacesWorkersUnderLoadWithoutFailures() throws Exception {
        WsgiProcess server = manager("-p", "2", "--max-requests", "300", "--max-requests-jitter", "50");
        awaitReady(server, 0, 2);
        try (LoadClient load = new LoadClient(server, 8)) {
            server.awaitLog(0, "retiring after", Duration.ofSeconds(60));
            awaitReady(server, 0, 4); // two replacements at least
            server.awaitLog(0, "exited (exit code 0)", Duration.ofSeconds(30)); // a retired worker is gone
            long answered = load.answered();
            load.awaitAnswers(answered, 200, 30_000);
            assertEquals(List.of(), load.failures(), "no request fails when a worker retires");
            assertTrue(load.pids().size() >= 3, () -> "replacements served: " + load.pids());
        }
        stopGracefully(server);
    }

    @Test
    void sigtermLetsTheSlowRequestFinishThenExitsZero() throws Exception {
        WsgiProcess server = manager("-p", "2");
        awaitReady(server, 0, 2);
        CompletableFuture<RawClient.Response> slow = CompletableFuture.supplyAsync(() -> {
            try (RawClient client = new RawClient(server)) {
                client.send("GET /slow?2 HTTP/1.1\r\nHost: test\r\n\r\n");
                return client.read();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        server.awaitLog(0, "slow request started", Duration.ofSeconds(20));
        server.signal(Processes.SIGTERM);
        RawClient.Response response = slow.get(30, TimeUnit.SECONDS);
        assertEquals(200, response.status());
        assertTrue(response.text().startsWith("slow done"), response.text());
        assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), () -> "exit status; log:\n" + server.log());
        assertTrue(server.log().contains("manager stopped"), server.log());
    }

    @Test
    void brokenApplicationMakesTheManagerGiveUpWithThePythonError() throws Exception {
        long started = System.nanoTime();
        WsgiProcess.Finished run = WsgiProcess.run(Map.of(), "--port", "0", "-p", "2", "--max-failed-starts", "3",
                "raises_at_import:app");
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("ZeroDivisionError: raised while importing raises_at_import"), run.stderr());
        assertTrue(run.stderr().contains("3 workers in a row failed to start"), run.stderr());
        assertTrue(run.stderr().contains("next start in 500 ms"), "with back-off: " + run.stderr());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60), "gives up within the back-off limits");
    }

    @Test
    void killingTheManagerTakesItsWorkersDown() throws Exception {
        WsgiProcess server = manager("-p", "2");
        Set<Long> workers = awaitReady(server, 0, 2);
        server.signal(Processes.SIGKILL);
        server.awaitExit(Duration.ofSeconds(10));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (long pid : workers) {
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                assertTrue(System.nanoTime() < deadline, "worker " + pid + " outlived its manager");
                Thread.sleep(50);
            }
        }
    }

    @Test
    void ttinAndTtouChangeTheWorkerCount() throws Exception {
        WsgiProcess server = manager("-p", "2");
        awaitReady(server, 0, 2);
        int mark = server.log().length();
        server.signal(Processes.SIGTTIN);
        awaitReady(server, mark, 1);
        assertEquals(3, server.childPids().size(), () -> "after SIGTTIN: " + server.log());
        mark = server.log().length();
        server.signal(Processes.SIGTTOU);
        server.awaitLog(mark, "exited (exit code 0)", Duration.ofSeconds(30));
        server.awaitChildren(2, Duration.ofSeconds(30));
        mark = server.log().length();
        server.signal(Processes.SIGTTOU);
        server.awaitLog(mark, "exited (exit code 0)", Duration.ofSeconds(30));
        server.awaitChildren(1, Duration.ofSeconds(30));
        mark = server.log().length();
        server.signal(Processes.SIGTTOU);
        server.awaitLog(mark, "SIGTTOU: 1 worker(s) wanted", Duration.ofSeconds(10));
        Thread.sleep(500);
        assertEquals(1, server.childPids().size(), "never below one worker");
        stopGracefully(server);
    }

    @Test
    void stuckRequestIsLoggedWithItsPythonStackAndItsWorkerReplaced() throws Exception {
        WsgiProcess server = manager("-p", "2", "--timeout", "2", "--graceful-timeout", "2");
        awaitReady(server, 0, 2);
        int mark = server.log().length();
        try (RawClient stuck = new RawClient(server); LoadClient load = new LoadClient(server, 2)) {
            stuck.send("GET /stuck HTTP/1.1\r\nHost: test\r\n\r\n");
            String log = server.awaitLog(mark, "has a stuck request", Duration.ofSeconds(30));
            assertTrue(log.contains("has been in the application for"), log);
            assertTrue(log.contains("in spin_forever"), () -> "the Python stack names the stuck function: " + log);
            assertTrue(log.contains("workers_app.py"), log);
            awaitReady(server, mark, 1);
            stuck.setTimeout(15_000);
            assertTrue(stuck.closedByServer(), "the stuck request's connection is closed");
            Matcher stuckWorker = Pattern.compile("\\(pid (\\d+)\\) has a stuck request").matcher(log);
            assertTrue(stuckWorker.find(), log);
            long stuckPid = Long.parseLong(stuckWorker.group(1));
            long answered = load.answered();
            load.awaitAnswers(answered, 100, 30_000);
            // Only requests inside the stuck worker fail: queued behind the stuck one, never answered.
            for (LoadClient.Incident incident : load.incidents()) {
                assertTrue(incident.lastPid() == 0 || incident.lastPid() == stuckPid,
                        () -> "a request of the other worker failed: " + incident);
            }
        }
        stopGracefully(server);
    }

    @Test
    void environSaysMultiprocessAndSecondSigintStopsAtOnce() throws Exception {
        WsgiProcess server = manager("-p", "2");
        awaitReady(server, 0, 2);
        try (RawClient client = new RawClient(server)) {
            client.send("GET /multiprocess HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals("True", client.read().text());
        }
        CompletableFuture.runAsync(() -> {
            try (RawClient client = new RawClient(server)) {
                client.send("GET /slow?20 HTTP/1.1\r\nHost: test\r\n\r\n");
                client.read();
            } catch (Exception expected) {
                // cut by the second SIGINT
            }
        });
        server.awaitLog(0, "slow request started", Duration.ofSeconds(20));
        server.signal(Processes.SIGINT);
        server.awaitLog(0, "SIGINT: stopping gracefully", Duration.ofSeconds(10));
        server.signal(Processes.SIGINT);
        long started = System.nanoTime();
        assertEquals(130, server.awaitExit(Duration.ofSeconds(10)), () -> "exit after a second SIGINT; " + server.log());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "at once, not after the slow request");
        assertFalse(server.log().contains("slow done"));
    }

    /** Started with them ignored (a script's background job, nohup), the manager still answers SIGINT. */
    @Test
    void answersSigintThatItStartedWithIgnored() throws Exception {
        WsgiProcess server = processes.track(WsgiProcess.startWithSignalsIgnored(Map.of(), "-p", "2", "workers_app:app"));
        awaitReady(server, 0, 2);
        assertEquals(0, server.ignoredSignals() & (1L << Processes.SIGINT - 1), "SIGINT handled");
        server.signal(Processes.SIGINT);
        server.awaitLog(0, "SIGINT: stopping gracefully", Duration.ofSeconds(10));
        assertEquals(0, server.awaitExit(Duration.ofSeconds(40)), () -> "exit after SIGINT; log:\n" + server.log());
    }

    @Test
    void plainPortNextToTlsIsServedByEveryWorkerWithItsScheme(@TempDir Path dir) throws Exception {
        TestCertificate certificate = TestCertificate.make(dir);
        WsgiProcess server = manager("-p", "2", "--tls-cert", certificate.cert().toString(),
                "--tls-key", certificate.key().toString(), "--plain-port", "0");
        assertEquals("https", server.uri().getScheme(), server::stdout);
        assertTrue(server.plainPort() > 0, server::stdout);
        Set<Long> workers = awaitReady(server, 0, 2);
        Callable<RawClient> plain = () -> new RawClient(server.host(), server.plainPort());
        Callable<RawClient> overTls = () -> new RawClient(certificate.connect(server.host(), server.port()));
        assertEquals(workers, answeredWithScheme(plain, "http", workers), "both workers serve the plain port");
        assertEquals(workers, answeredWithScheme(overTls, "https", workers), "both workers serve the TLS port");
        stopGracefully(server);
    }

    @Test
    void reloadServesARenewedCertificate(@TempDir Path dir) throws Exception {
        TestCertificate old = TestCertificate.make(Files.createDirectory(dir.resolve("old")));
        TestCertificate renewed = TestCertificate.make(Files.createDirectory(dir.resolve("renewed")));
        Path cert = Files.copy(old.cert(), dir.resolve("cert.pem"));
        Path key = Files.copy(old.key(), dir.resolve("key.pem"));
        WsgiProcess server = manager("-p", "2", "--tls-cert", cert.toString(), "--tls-key", key.toString());
        Set<Long> first = awaitReady(server, 0, 2);
        assertEquals(first, answeredWithScheme(() -> new RawClient(old.connect(server.host(), server.port())),
                "https", first));
        Files.copy(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
        int mark = server.log().length();
        server.signal(Processes.SIGHUP);
        Set<Long> fresh = awaitReady(server, mark, 2);
        for (long pid : first) {
            server.awaitLog(mark, "(pid " + pid + ") exited (exit code 0)", Duration.ofSeconds(30));
        }
        assertEquals(fresh, answeredWithScheme(() -> new RawClient(renewed.connect(server.host(), server.port())),
                "https", fresh), "every fresh worker serves the renewed certificate");
        stopGracefully(server);
    }

    @Test
    void aPlainPortAddedAtAReloadIsLeftForTheNextStartWithAWarning(@TempDir Path dir) throws Exception {
        TestCertificate certificate = TestCertificate.make(dir);
        Path config = dir.resolve("yimmo.yaml");
        String tls = "tls:\n  cert: " + certificate.cert() + "\n  key: " + certificate.key() + "\n";
        Files.writeString(config, tls);
        WsgiProcess server = manager("-p", "2", "-c", config.toString());
        Set<Long> first = awaitReady(server, 0, 2);
        int plainPort = WsgiProcess.freePort();
        // A fixed port: every worker binding it on its own, all but one would fail.
        Files.writeString(config, tls + "wsgi:\n  plain_port: " + plainPort + "\n");
        int mark = server.log().length();
        server.signal(Processes.SIGHUP);
        Set<Long> fresh = awaitReady(server, mark, 2);
        for (long pid : first) {
            server.awaitLog(mark, "(pid " + pid + ") exited (exit code 0)", Duration.ofSeconds(30));
        }
        assertTrue(server.logSince(mark).contains("was configured after the manager started"), server::log);
        assertEquals(fresh, answeredWithScheme(() -> new RawClient(certificate.connect(server.host(), server.port())),
                "https", fresh), "both fresh workers serve the TLS port");
        stopGracefully(server);
    }

    /**
     * Asks {@code /scheme} on new connections from {@code connect} until each of {@code workers}
     * has answered (at most 500 times); checks every answer's scheme and returns the pids seen.
     */
    private static Set<Long> answeredWithScheme(Callable<RawClient> connect, String scheme, Set<Long> workers)
            throws Exception {
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 500 && !pids.containsAll(workers); i++) {
            try (RawClient client = connect.call()) {
                client.send("GET /scheme HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
                String[] answer = client.read().text().split(" ");
                assertEquals(scheme, answer[0], "wsgi.url_scheme");
                pids.add(Long.parseLong(answer[1]));
            }
        }
        return pids;
    }

    /** The application's marker as {@code count} requests on new connections see it. */
    private static Set<String> markers(WsgiProcess server, int count) throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            try (RawClient client = new RawClient(server)) {
                client.send("GET /marker HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
                seen.add(client.read().text());
            }
        }
        return seen;
    }

    /** The pids answering {@code count} requests, each on a new connection. */
    private static Set<Long> answeredByOnNewConnections(WsgiProcess server, int count) throws Exception {
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            try (RawClient client = new RawClient(server)) {
                client.send("GET /pid HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
                pids.add(Long.parseLong(client.read().text().trim()));
            }
        }
        return pids;
    }
}
