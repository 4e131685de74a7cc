package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HttpShutdownTest {

    private static final String GET = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    @Timeout(30)
    void gracefulShutdownClosesIdleConnectionsAndFinishesBusyOnes() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpHandler held = exchange -> {
            if (exchange.path().equals("/fast")) {
                exchange.response().send(200, "text/plain", ByteBuffer.wrap("fast".getBytes(StandardCharsets.US_ASCII)));
                return;
            }
            inHandler.countDown();
            new Thread(() -> {
                try {
                    release.await();
                    exchange.response().send(200, "text/plain", ByteBuffer.wrap("late".getBytes(StandardCharsets.US_ASCII)));
                } catch (InterruptedException | IOException e) {
                    exchange.abort();
                }
            }).start();
        };
        try (TestServer server = TestServer.start(held);
                RawHttpClient working = server.connect();
                RawHttpClient halfway = server.connect();
                RawHttpClient idle = server.connect();
                RawHttpClient fresh = server.connect();
                RawHttpClient silent = server.connect()) {
            idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fast", idle.read().text()); // now an idle keep-alive connection
            working.send(GET);
            assertTrue(inHandler.await(5, TimeUnit.SECONDS));
            halfway.send("GET /warm HTTP/1.1\r\nHost: x\r\n"); // a head half-sent is not idle
            awaitBuffersInUse(server, 1); // the server has read it (it holds the half head)
            CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(
                    () -> server.server.shutdown(Duration.ofSeconds(10)));

            long drainStarted = System.nanoTime();
            assertTrue(idle.closedByServer(), "an idle keep-alive connection is closed at once");
            assertTrue(System.nanoTime() - drainStarted < TimeUnit.MILLISECONDS.toNanos(900), "at once");
            // A new connection has not sent its first request yet: it gets a moment to, then an answer.
            fresh.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response first = fresh.read();
            assertEquals("fast", first.text());
            assertEquals("close", first.header("connection"));
            assertTrue(fresh.closedByServer());
            assertTrue(silent.closedByServer(), "a new connection that sends nothing is closed after that moment");
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", server.address().getPort()).close(),
                    "the listener is closed");
            assertFalse(stopped.isDone(), "the busy connections hold the shutdown");

            release.countDown();
            RawHttpClient.Response response = working.read();
            assertEquals("late", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(working.closedByServer());

            halfway.send("\r\n"); // finishes its head: answered, then closed
            RawHttpClient.Response last = halfway.read();
            assertEquals("late", last.text());
            assertEquals("close", last.header("connection"));
            assertTrue(halfway.closedByServer());
            assertTrue(stopped.get(10, TimeUnit.SECONDS), "every connection finished within the grace period");
        }
    }

    /** Waits until the reactor's read buffers in use reach {@code expected}. */
    private static void awaitBuffersInUse(TestServer server, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (;;) {
            CompletableFuture<Integer> inUse = new CompletableFuture<>();
            server.server.reactor().execute(() -> inUse.complete(server.server.reactor().buffers().inUse()));
            int now = inUse.get(5, TimeUnit.SECONDS);
            if (now == expected) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "buffers in use stayed at " + now + ", expected " + expected);
            Thread.sleep(5);
        }
    }

    @Test
    @Timeout(30)
    void shutdownGivesUpOnConnectionsStillBusyAfterTheGracePeriod() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        try (TestServer server = TestServer.start(exchange -> inHandler.countDown());
                RawHttpClient stuck = server.connect()) {
            stuck.send(GET);
            assertTrue(inHandler.await(5, TimeUnit.SECONDS));
            long start = System.nanoTime();
            assertFalse(server.server.shutdown(Duration.ofMillis(300)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300));
            assertTrue(stuck.closedByServer(), "closed after the grace period");
        }
    }
}
