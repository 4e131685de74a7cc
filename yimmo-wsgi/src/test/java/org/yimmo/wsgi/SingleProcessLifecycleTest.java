package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.posix.Processes;

/**
 * One process, no manager: SIGHUP, --max-requests and --timeout replace the process by a fresh
 * one with the same pid (it re-executes itself, handing over the listening socket), under load
 * and without failed requests (with TLS, on the extra plain port too); SIGTERM and SIGINT stop it
 * gracefully.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SingleProcessLifecycleTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessCleanup processes = new ProcessCleanup();

    private static final Duration RESTART = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static String get(WsgiProcess server, String path) throws Exception {
        try (RawClient client = new RawClient(server)) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            return client.read().text();
        }
    }

    /** SIGHUP while {@code load} runs: the process replaces itself; no request fails or sees another pid. */
    private static void reloadUnderLoad(WsgiProcess server, LoadClient load, String what) throws Exception {
        int mark = server.log().length();
        server.signal(Processes.SIGHUP);
        server.awaitLog(mark, "replacing this process with a fresh one", Duration.ofSeconds(10));
        server.awaitLog(mark, "serving workers_app:app", RESTART);
        long answered = load.answered();
        load.awaitAnswers(answered, 300, 30_000);
        assertEquals(List.of(), load.failures(), "no " + what + " fails while the process replaces itself");
        assertEquals(Set.of(server.pid()), load.pids(), "the same pid before and after");
    }

    @Test
    void sighupReplacesTheProcessInPlaceUnderLoadWithTheNewCode() throws Exception {
        Path marker = dir.resolve("marker.txt");
        Files.writeString(marker, "first");
        WsgiProcess server = processes.track(WsgiProcess.start(Map.of("YIMMO_TEST_MARKER_FILE", marker.toString()), "workers_app:app"));
        assertEquals("first", get(server, "/marker"));
        try (LoadClient load = new LoadClient(server, 8)) {
            load.awaitAnswers(0, 300, 30_000);
            Files.writeString(marker, "second");
            reloadUnderLoad(server, load, "request");
        }
        assertEquals("second", get(server, "/marker"), "the application was imported again");
        assertTrue(server.isAlive());
        server.close();
    }

    @Test
    void sighupServesARenewedCertificate() throws Exception {
        TestCertificate old = TestCertificate.make(Files.createDirectory(dir.resolve("old")));
        TestCertificate renewed = TestCertificate.make(Files.createDirectory(dir.resolve("renewed")));
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.copy(old.cert(), cert);
        Files.copy(old.key(), key);
        WsgiProcess server = processes.track(WsgiProcess.start(Map.of(), "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "workers_app:app"));
        assertEquals("https " + server.pid(), getOverTls(old, server), "the first certificate is served");
        // As a certificate renewal does: new files in place, then SIGHUP.
        Files.copy(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
        int mark = server.log().length();
        server.signal(Processes.SIGHUP);
        server.awaitLog(mark, "serving workers_app:app", RESTART);
        assertEquals("https " + server.pid(), getOverTls(renewed, server), "the renewed certificate is served");
        assertThrows(SSLHandshakeException.class, () -> getOverTls(old, server), "the old one is no longer");
        server.close();
    }

    /** GET /scheme over TLS, trusting only {@code certificate}. */
    private static String getOverTls(TestCertificate certificate, WsgiProcess server) throws Exception {
        try (RawClient client = new RawClient(certificate.connect(server.host(), server.port()))) {
            client.send("GET /scheme HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            return client.read().text();
        }
    }

    @Test
    void sighupWithTlsHandsOverThePlainPortTooUnderLoad() throws Exception {
        TestCertificate certificate = TestCertificate.make(dir);
        // A fixed port, not 0: a plain socket bound again after the replacement would then still
        // be on the same port, so the test sees the refused connections, not merely a port change.
        int plainPort = WsgiProcess.freePort();
        WsgiProcess server = processes.track(WsgiProcess.start(Map.of(), "--tls-cert", certificate.cert().toString(),
                "--tls-key", certificate.key().toString(), "--plain-port", Integer.toString(plainPort),
                "workers_app:app"));
        assertEquals(plainPort, server.plainPort());
        try (LoadClient load = new LoadClient(server.host(), plainPort, 8)) {
            load.awaitAnswers(0, 300, 30_000);
            reloadUnderLoad(server, load, "plain-HTTP request");
        }
        try (RawClient overTls = new RawClient(certificate.connect(server.host(), server.port()))) {
            overTls.send("GET /scheme HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            assertEquals("https " + server.pid(), overTls.read().text(), "the TLS port answers after the reload");
        }
        try (RawClient plain = new RawClient(server.host(), plainPort)) {
            plain.send("GET /scheme HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            assertEquals("http " + server.pid(), plain.read().text(), "the plain port answers after the reload");
        }
        server.close();
    }

    @Test
    void maxRequestsReplacesTheProcessWithoutFailures() throws Exception {
        WsgiProcess server = processes.track(WsgiProcess.start(Map.of(), "--max-requests", "400", "workers_app:app"));
        try (LoadClient load = new LoadClient(server, 4)) {
            String log = server.awaitLog(0, "--max-requests: replacing this process", Duration.ofSeconds(60));
            server.awaitLog(log.indexOf("--max-requests: replacing"), "serving workers_app:app", RESTART);
            long answered = load.answered();
            load.awaitAnswers(answered, 200, 30_000);
            assertEquals(List.of(), load.failures());
        }
        server.close();
    }

    @Test
    void stuckRequestIsLoggedAndTheProcessReplacesItself() throws Exception {
        WsgiProcess server = processes.track(WsgiProcess.start(Map.of(), "--timeout", "2", "--graceful-timeout", "1",
                "workers_app:app"));
        try (RawClient stuck = new RawClient(server)) {
            stuck.send("GET /stuck HTTP/1.1\r\nHost: test\r\n\r\n");
            String log = server.awaitLog(0, "--timeout: replacing this process", Duration.ofSeconds(30));
            assertTrue(log.contains("in spin_forever"), () -> "the stuck thread's Python stack: " + log);
            assertTrue(stuck.closedByServer(), "the stuck request's connection is closed");
        }
        String log = server.awaitLog(0, "yimmo-wsgi stopped", RESTART);
        server.awaitLog(log.indexOf("yimmo-wsgi stopped"), "serving workers_app:app", RESTART);
        assertEquals(Long.toString(server.pid()), get(server, "/pid"), "served again, by the same pid");
        server.close();
    }

    /** Started with them ignored (a script's background job, nohup), it still answers its signals. */
    @Test
    void answersSigintAndSighupThatItStartedWithIgnored() throws Exception {
        WsgiProcess server = processes.track(WsgiProcess.startWithSignalsIgnored(Map.of(), "workers_app:app"));
        long mask = (1L << Processes.SIGHUP - 1) | (1L << Processes.SIGINT - 1) | (1L << Processes.SIGTERM - 1);
        assertEquals(0, server.ignoredSignals() & mask, "SIGHUP, SIGINT and SIGTERM handled");
        String before = get(server, "/pid");
        server.signal(Processes.SIGHUP);
        String log = server.awaitLog(0, "yimmo-wsgi stopped", RESTART);
        server.awaitLog(log.indexOf("yimmo-wsgi stopped"), "serving workers_app:app", RESTART);
        assertEquals(before, get(server, "/pid"), "reloaded in place");
        server.signal(Processes.SIGINT);
        assertEquals(0, server.awaitExit(Duration.ofSeconds(30)));
    }

    @Test
    void secondSigintStopsAtOnce() throws Exception {
        WsgiProcess server = processes.track(WsgiProcess.start(Map.of(), "workers_app:app"));
        CompletableFuture.runAsync(() -> {
            try {
                get(server, "/slow?20");
            } catch (Exception expected) {
                // cut by the second SIGINT
            }
        });
        server.awaitLog(0, "slow request started", Duration.ofSeconds(20));
        server.signal(Processes.SIGINT);
        server.awaitLog(0, "stopping: finishing requests in progress", Duration.ofSeconds(10));
        server.signal(Processes.SIGINT);
        long started = System.nanoTime();
        assertEquals(130, server.awaitExit(Duration.ofSeconds(10)));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "at once");
        assertFalse(server.log().contains("slow done"));
    }
}
