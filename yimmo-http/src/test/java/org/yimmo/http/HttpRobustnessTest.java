package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that misbehave: vanish mid-request or mid-response, come in large numbers, send
 * garbage. The server must keep serving, free every handler thread, and give back every read
 * buffer once the connections are gone.
 */
class HttpRobustnessTest {

    private final ExecutorService workers = Executors.newCachedThreadPool();
    /** Handler threads currently inside a handler's work. */
    private final AtomicInteger busyWorkers = new AtomicInteger();
    private final AtomicInteger handled = new AtomicInteger();
    /** The outcome of each worker-side handler: null for success, else what it threw. */
    private final LinkedBlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
    /** One entry per body read of {@code /read}, and per chunk written by {@code /stream}. */
    private final LinkedBlockingQueue<String> reads = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<String> writes = new LinkedBlockingQueue<>();

    /**
     * {@code /read}: reads the whole body on a worker, then answers its length. {@code /stream}:
     * streams without end from a worker. Anything else: "ok" at once on the reactor.
     */
    private final HttpHandler handler = exchange -> {
        handled.incrementAndGet();
        String path = exchange.path();
        if (path.equals("/read")) {
            onWorker(() -> {
                ByteBuffer buf = ByteBuffer.allocate(8192);
                long total = 0;
                for (int n; (n = exchange.requestBody().readBlocking(buf)) >= 0; buf.clear()) {
                    total += n;
                    reads.add("read");
                }
                exchange.response().send(200, "text/plain", ascii(Long.toString(total)));
            }, exchange);
        } else if (path.equals("/stream")) {
            onWorker(() -> {
                HttpResponse response = exchange.response();
                response.start(200);
                ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
                for (;;) {
                    chunk.clear();
                    response.writeFully(chunk);
                    writes.add("wrote");
                }
            }, exchange);
        } else {
            exchange.response().send(200, "text/plain", ascii("ok"));
        }
    };

    private interface Work {
        void run() throws Exception;
    }

    private void onWorker(Work work, HttpExchange exchange) {
        busyWorkers.incrementAndGet();
        workers.execute(() -> {
            try {
                work.run();
                outcomes.add("ok");
            } catch (Throwable t) {
                outcomes.add(t);
                exchange.response().end();
            } finally {
                busyWorkers.decrementAndGet();
            }
        });
    }

    @AfterEach
    void stopWorkers() {
        workers.shutdownNow();
    }

    // ------------------------------------------------------------------ helpers

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static TestServer start(HttpHandler handler) throws IOException {
        return TestServer.start(handler, b -> b.idleTimeout(Duration.ofSeconds(30))
                .headerTimeout(Duration.ofMillis(500)).bodyTimeout(Duration.ofSeconds(10))
                .writeTimeout(Duration.ofSeconds(10)));
    }

    /** The reactor's read buffers in use, read on the reactor thread. */
    private static int buffersInUse(TestServer server) throws Exception {
        CompletableFuture<Integer> inUse = new CompletableFuture<>();
        server.server.reactor().execute(() -> inUse.complete(server.server.reactor().buffers().inUse()));
        return inUse.get(5, TimeUnit.SECONDS);
    }

    /** Waits until no read buffer is in use; fails after 1 s. */
    private static void assertBuffersReturn(TestServer server) throws Exception {
        // Well under the server's 2 s linger: a connection whose client is gone has nothing to
        // linger for, and must not hold a buffer (or a descriptor) that long.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
        int inUse;
        while ((inUse = buffersInUse(server)) != 0) {
            if (System.nanoTime() > deadline) {
                fail(inUse + " read buffers still in use after every connection closed");
            }
            Thread.sleep(20);
        }
    }

    private void assertNoWorkerBlocked() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (busyWorkers.get() != 0) {
            assertTrue(System.nanoTime() < deadline, busyWorkers.get() + " handler threads still blocked");
            Thread.sleep(10);
        }
    }

    private static void assertServes(TestServer server) throws IOException {
        try (RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals(200, response.status());
            assertEquals("ok", response.text());
        }
    }

    private static void vanish(Socket socket, boolean reset) throws IOException {
        if (reset) {
            socket.setSoLinger(true, 0);
        }
        socket.close();
    }

    private Object nextOutcome() throws InterruptedException {
        Object outcome = outcomes.poll(5, TimeUnit.SECONDS);
        assertTrue(outcome != null, "the handler is still blocked");
        return outcome;
    }

    // ------------------------------------------------------------------ abrupt disconnects

    @ParameterizedTest(name = "reset={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(20)
    void clientVanishesInTheMiddleOfAHead(boolean reset) throws Exception {
        try (TestServer server = start(handler)) {
            for (int i = 0; i < 10; i++) {
                try (RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
                    client.send("GET /read HTTP/1.1\r\nHost: x\r\nX-Partial: " + "p".repeat(i * 3000));
                    assertServes(server); // the partial head is in the server by now
                    vanish(client.socket(), reset);
                }
            }
            assertServes(server);
            assertEquals(11, handled.get(), "only the complete requests reach the handler");
            assertBuffersReturn(server);
        }
    }

    @ParameterizedTest(name = "reset={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(20)
    void clientVanishesInTheMiddleOfABody(boolean reset) throws Exception {
        try (TestServer server = start(handler)) {
            for (int i = 0; i < 3; i++) {
                try (RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
                    client.send("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "b".repeat(1000));
                    assertEquals("read", reads.poll(5, TimeUnit.SECONDS), "the handler got the first bytes");
                    vanish(client.socket(), reset);
                }
                Object outcome = nextOutcome();
                assertInstanceOf(IOException.class, outcome, "the blocked readBlocking must fail");
                reads.clear();
            }
            assertNoWorkerBlocked();
            assertServes(server);
            assertBuffersReturn(server);
        }
    }

    @ParameterizedTest(name = "reset={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(20)
    void clientVanishesWhileTheResponseStreams(boolean reset) throws Exception {
        try (TestServer server = start(handler)) {
            for (int i = 0; i < 3; i++) {
                try (RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
                    client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
                    InputStream in = client.socket().getInputStream();
                    byte[] some = in.readNBytes(200_000);
                    assertEquals(200_000, some.length);
                    assertTrue(new String(some, 0, 15, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
                    vanish(client.socket(), reset);
                }
                Object outcome = nextOutcome();
                assertInstanceOf(IOException.class, outcome, "the blocked writeFully must fail");
            }
            assertNoWorkerBlocked();
            assertServes(server);
            assertBuffersReturn(server);
        }
    }

    @Test
    @Timeout(20)
    void clientHalfClosesAfterAHeadAndStillGetsItsResponse() throws Exception {
        // Not abuse: a client that shuts its output after the request is owed the answer.
        try (TestServer server = start(handler); RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            client.socket().shutdownOutput();
            RawHttpClient.Response response = client.read();
            assertEquals(200, response.status());
            assertEquals(0, client.readToEnd().length);
        }
    }

    // ------------------------------------------------------------------ many connections

    @Test
    @Timeout(60)
    void thousandIdleConnectionsDoNotStopService() throws Exception {
        try (TestServer server = start(handler)) {
            List<RawHttpClient> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    idle.add(new RawHttpClient(server.address(), 10_000));
                }
                for (int i = 0; i < 20; i++) {
                    assertServes(server);
                }
                // every idle connection is still alive and served
                for (RawHttpClient client : idle) {
                    client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                }
                for (RawHttpClient client : idle) {
                    assertEquals("ok", client.read().text());
                }
                assertEquals(1020, handled.get());
            } finally {
                for (RawHttpClient client : idle) {
                    client.close();
                }
            }
            assertBuffersReturn(server);
            assertServes(server);
        }
    }

    // ------------------------------------------------------------------ garbage

    @Test
    @Timeout(30)
    void garbageGetsA4xxOrACloseAndNeverAHang() throws Exception {
        Random random = new Random(20261122);
        try (TestServer server = start(handler)) {
            List<RawHttpClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    byte[] garbage = new byte[1 + random.nextInt(2000)];
                    random.nextBytes(garbage);
                    if (i % 5 == 0) {
                        // garbage that starts like a request, to get past the request line
                        byte[] start = "GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
                        System.arraycopy(start, 0, garbage, 0, Math.min(start.length, garbage.length));
                    }
                    RawHttpClient client = new RawHttpClient(server.address(), 5_000);
                    clients.add(client);
                    try {
                        client.send(garbage);
                    } catch (IOException refusedEarly) {
                        // the server may have answered and stopped listening already
                    }
                }
                long start = System.nanoTime();
                int answered = 0;
                for (RawHttpClient client : clients) {
                    try {
                        RawHttpClient.Response response = client.read();
                        assertTrue(response.status() >= 400 && response.status() < 500, response.statusLine());
                        assertEquals("close", response.header("connection"));
                        answered++;
                    } catch (EOFException | java.net.SocketException closed) {
                        // closed without an answer: allowed
                    }
                }
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(elapsed < 2_500, "garbage kept connections for " + elapsed + " ms");
                assertTrue(answered > 0, "no garbage was answered");
            } finally {
                for (RawHttpClient client : clients) {
                    client.close();
                }
            }
            assertEquals(0, handled.get(), "garbage reached the handler");
            assertServes(server);
            assertBuffersReturn(server);
        }
    }

    // ------------------------------------------------------------------ resource leaks

    @Test
    @Timeout(30)
    void readBuffersAreReturnedAfterAbuse() throws Exception {
        try (TestServer server = start(handler)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                // partial heads hold a read buffer each while they wait
                for (int i = 0; i < 10; i++) {
                    Socket socket = new Socket();
                    socket.connect(server.address(), 5_000);
                    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-Wait: 1".getBytes(StandardCharsets.US_ASCII));
                    sockets.add(socket);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (buffersInUse(server) < 10) {
                    assertTrue(System.nanoTime() < deadline, "partial heads hold no buffers?");
                    Thread.sleep(10);
                }
                // a head that outgrows the pooled buffer, then is refused
                Socket big = new Socket();
                big.connect(server.address(), 5_000);
                big.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "x".repeat(70_000) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sockets.add(big);
                // a body abandoned half-way, a response abandoned half-way, a pipelined burst
                Socket body = new Socket();
                body.connect(server.address(), 5_000);
                body.getOutputStream().write(("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
                        + "b".repeat(30_000)).getBytes(StandardCharsets.US_ASCII));
                sockets.add(body);
                Socket stream = new Socket();
                stream.connect(server.address(), 5_000);
                stream.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                sockets.add(stream);
                Socket burst = new Socket();
                burst.connect(server.address(), 5_000);
                burst.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200).getBytes(StandardCharsets.US_ASCII));
                sockets.add(burst);
                Socket garbage = new Socket();
                garbage.connect(server.address(), 5_000);
                garbage.getOutputStream().write("\u0000\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                sockets.add(garbage);
                assertServes(server);
                // let the streaming response fill the socket buffers
                assertEquals("wrote", writes.poll(5, TimeUnit.SECONDS));
                assertEquals("read", reads.poll(5, TimeUnit.SECONDS));
            } finally {
                for (int i = 0; i < sockets.size(); i++) {
                    vanish(sockets.get(i), i % 2 == 0);
                }
            }
            assertBuffersReturn(server);
            assertNoWorkerBlocked();
            assertServes(server);
            assertBuffersReturn(server);
        }
    }
}
