package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yimmo.http.parser.HttpLimits;

/**
 * Request limits, the four timeouts and flow control, over real loopback sockets. Every refusal is
 * checked the whole way: the status, {@code Connection: close}, then an orderly end of stream (a
 * reset would throw from the final read, and could have destroyed the response on the way).
 */
class HttpLimitsAndTimeoutsTest {

    private static final long MIB = 1024 * 1024;

    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final AtomicInteger handled = new AtomicInteger();

    /** Answers "ok" on the reactor thread and counts calls. */
    private final HttpHandler ok = exchange -> {
        handled.incrementAndGet();
        exchange.response().send(200, "text/plain", ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)));
    };

    @AfterEach
    void stopWorkers() {
        workers.shutdownNow();
    }

    // ------------------------------------------------------------------ helpers

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    /** Reads one refusal: {@code status}, Connection: close, then end of stream (not a reset). */
    private static RawHttpClient.Response assertRefused(RawHttpClient client, int status) throws IOException {
        RawHttpClient.Response response = client.read();
        assertEquals(status, response.status(), response.statusLine());
        assertEquals("close", response.header("connection"));
        assertEquals(0, client.readToEnd().length, "bytes after the refusal");
        return response;
    }

    /** Sends {@code request} on a new connection and expects a refusal with {@code status}. */
    private void expectRefusal(TestServer server, String request, int status) throws IOException {
        try (RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            client.send(request);
            assertRefused(client, status);
        }
    }

    private static UnaryOperator<HttpServer.Builder> limits(int requestLineMax, int headerSectionMax, int count, long body) {
        return b -> b.limits(new HttpLimits(requestLineMax, headerSectionMax, count, body,
                HttpLimits.DEFAULT_TRAILER_SECTION_MAX));
    }

    private static String fields(int count, int valueLength) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append("X-Field-").append(i).append(": ").append(repeat('v', valueLength)).append("\r\n");
        }
        return sb.toString();
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Reads and discards until end of stream, or a reset; returns the bytes read. */
    private static long drainUntilClosed(InputStream in) {
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        try {
            for (int n; (n = in.read(sink)) >= 0; ) {
                total += n;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection not closed", e);
        } catch (IOException reset) {
            // closed with a reset: closed all the same
        }
        return total;
    }

    /** Polls {@code value} until it has not changed for {@code quietMillis}; returns it. */
    private static long awaitSettled(AtomicLong value, long quietMillis, long maxMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        long last = value.get();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(50);
            long now = value.get();
            if (now != last || now == 0) {
                last = now;
                stableSince = System.nanoTime();
            } else if (millisSince(stableSince) >= quietMillis) {
                return now;
            }
        }
        return value.get();
    }

    // ------------------------------------------------------------------ limits

    @Test
    @Timeout(20)
    void requestLineOverTheLimitIs414() throws Exception {
        try (TestServer server = TestServer.start(ok)) {
            expectRefusal(server, "GET /" + repeat('a', HttpLimits.DEFAULT_REQUEST_LINE_MAX)
                    + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
        }
        try (TestServer server = TestServer.start(ok, limits(100, 1024, 100, 1000))) {
            // exactly at the limit: the request line without its CRLF is 100 bytes
            String target = "/" + repeat('a', 100 - "GET  HTTP/1.1".length() - 1);
            try (RawHttpClient client = server.connect()) {
                client.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, client.read().status());
            }
            expectRefusal(server, "GET " + target + "a HTTP/1.1\r\nHost: x\r\n\r\n", 414);
        }
        assertEquals(1, handled.get());
    }

    @Test
    @Timeout(20)
    void headerSectionOverTheLimitIs431() throws Exception {
        try (TestServer server = TestServer.start(ok)) {
            // 70 fields of ~1 KiB: under the count limit, over 64 KiB
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\n" + fields(70, 1000) + "\r\n", 431);
            // one huge field
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
                    + repeat('b', HttpLimits.DEFAULT_HEADER_SECTION_MAX) + "\r\n\r\n", 431);
        }
        try (TestServer server = TestServer.start(ok, limits(1024, 256, 100, 1000))) {
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\n" + fields(4, 60) + "\r\n", 431);
            try (RawHttpClient client = server.connect()) {
                client.send("GET / HTTP/1.1\r\nHost: x\r\n" + fields(2, 60) + "\r\n");
                assertEquals(200, client.read().status());
            }
        }
        assertEquals(1, handled.get());
    }

    @Test
    @Timeout(20)
    void moreThanAHundredFieldsIs431() throws Exception {
        try (TestServer server = TestServer.start(ok)) {
            // Host plus 99 fields: exactly 100, accepted
            try (RawHttpClient client = server.connect()) {
                client.send("GET / HTTP/1.1\r\nHost: x\r\n" + fields(99, 1) + "\r\n");
                assertEquals(200, client.read().status());
            }
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\n" + fields(100, 1) + "\r\n", 431);
        }
        assertEquals(1, handled.get());
    }

    @Test
    @Timeout(20)
    void contentLengthOverTheBodyLimitIs413BeforeTheBody() throws Exception {
        try (TestServer server = TestServer.start(ok, limits(1024, 4096, 100, 1000))) {
            // Only the head is sent: the answer must not wait for the body.
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413);
            // with Expect: 100-continue, no 100 goes out before the 413
            try (RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
                client.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
                assertRefused(client, 413);
            }
        }
        try (TestServer server = TestServer.start(ok)) {
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + (HttpLimits.DEFAULT_BODY_MAX + 1) + "\r\n\r\n", 413);
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413);
        }
        assertEquals(0, handled.get(), "the handler must not be called");
    }

    @Test
    @Timeout(20)
    void chunkedBodyOverTheLimitFailsTheHandlersReadAndCloses() throws Exception {
        CompletableFuture<Throwable> readOutcome = new CompletableFuture<>();
        AtomicLong bytesRead = new AtomicLong();
        HttpHandler handler = readsTheBodyThenAnswers(readOutcome, bytesRead, 413, ByteBuffer.wrap("too big".getBytes(StandardCharsets.US_ASCII)));
        try (TestServer server = TestServer.start(handler, limits(1024, 4096, 100, 1000));
                RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "258\r\n" + repeat('a', 600) + "\r\n"
                    + "258\r\n" + repeat('b', 600) + "\r\n"
                    + "0\r\n\r\n");
            RawHttpClient.Response response = assertRefused(client, 413);
            assertEquals("too big", response.text());
            Throwable failure = readOutcome.get(5, TimeUnit.SECONDS);
            assertInstanceOf(IOException.class, failure, "the read past the limit must fail");
            assertTrue(bytesRead.get() <= 1000, "bytes past the limit were delivered: " + bytesRead.get());
        }
    }

    @Test
    @Timeout(20)
    void unsupportedOrMalformedVersions() throws Exception {
        try (TestServer server = TestServer.start(ok)) {
            expectRefusal(server, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
            // well-formed but unknown: 505 (RequestHeadParser: "HTTP/" DIGIT "." DIGIT)
            expectRefusal(server, "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505);
            expectRefusal(server, "GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505);
            // malformed: 400
            expectRefusal(server, "GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400);
            expectRefusal(server, "GET / HTTP/11\r\nHost: x\r\n\r\n", 400);
            expectRefusal(server, "GET / http/1.1\r\nHost: x\r\n\r\n", 400);
            expectRefusal(server, "GET / FOO\r\nHost: x\r\n\r\n", 400);
            expectRefusal(server, "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400);
        }
        assertEquals(0, handled.get());
    }

    @Test
    @Timeout(20)
    void smugglingShapesAre400AndClose() throws Exception {
        try (TestServer server = TestServer.start(ok)) {
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Length: 5\r\n\r\n0\r\n\r\n", 400);
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    + "Content-Length: 6\r\n\r\nhello!", 400);
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    + "Content-Length: 5\r\n\r\nhello", 400);
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 400);
            expectRefusal(server, "GET / HTTP/1.1\nHost: x\r\n\r\n", 400);
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\n\r\n", 400);
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\n\n", 400);
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400);
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400);
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", 400);
            expectRefusal(server, "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400);
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
        }
        assertEquals(0, handled.get());
    }

    @Test
    @Timeout(20)
    void unknownExpectationIs417() throws Exception {
        try (TestServer server = TestServer.start(ok)) {
            expectRefusal(server, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 5\r\n\r\nhello", 417);
        }
        assertEquals(0, handled.get());
    }

    @Test
    @Timeout(20)
    void largeLegalHeadIsAccepted() throws Exception {
        HttpHandler echoField = exchange -> exchange.response().send(200, "text/plain",
                ByteBuffer.wrap((exchange.header("x-field-39") + "|" + exchange.request().headerCount())
                        .getBytes(StandardCharsets.ISO_8859_1)));
        try (TestServer server = TestServer.start(echoField); RawHttpClient client = server.connect()) {
            // ~40 KiB of fields: larger than the 16 KiB pooled read buffer, under 64 KiB
            String head = "GET / HTTP/1.1\r\nHost: x\r\n" + fields(40, 1000) + "\r\n";
            assertTrue(head.length() > 40_000);
            client.send(head + head); // pipelined: the second one follows in the grown buffer
            RawHttpClient.Response first = client.read();
            RawHttpClient.Response second = client.read();
            assertEquals(200, first.status());
            assertEquals(repeat('v', 1000) + "|41", first.text());
            assertEquals(first.text(), second.text());
            assertEquals(null, first.header("connection"));
            client.send("GET / HTTP/1.1\r\nHost: x\r\nX-Field-39: small\r\n\r\n");
            assertEquals("small|2", client.read().text());
        }
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    @Timeout(20)
    void silentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (TestServer server = TestServer.start(ok, b -> b.idleTimeout(Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            try (RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
                assertEquals(0, client.readToEnd().length);
                long elapsed = millisSince(start);
                assertTrue(elapsed >= 280, "closed too early: " + elapsed + " ms");
                assertTrue(elapsed < 2_000, "closed too late: " + elapsed + " ms");
            }
        }
    }

    @Test
    @Timeout(20)
    void keepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (TestServer server = TestServer.start(ok, b -> b.idleTimeout(Duration.ofMillis(300)));
                RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response response = client.read();
            long start = System.nanoTime();
            assertEquals(200, response.status());
            assertEquals(null, response.header("connection"));
            assertEquals(0, client.readToEnd().length);
            long elapsed = millisSince(start);
            assertTrue(elapsed >= 270, "closed too early: " + elapsed + " ms");
            assertTrue(elapsed < 2_000, "closed too late: " + elapsed + " ms");
        }
    }

    @Test
    @Timeout(20)
    void regularRequestsKeepTheConnectionOpen() throws Exception {
        try (TestServer server = TestServer.start(ok, b -> b.idleTimeout(Duration.ofMillis(300)));
                RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            long start = System.nanoTime();
            int requests = 0;
            while (millisSince(start) < 1_500) { // five idle periods
                client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, client.read().status());
                requests++;
                Thread.sleep(150);
            }
            assertTrue(requests >= 5);
            assertEquals(requests, handled.get());
        }
    }

    @Test
    @Timeout(20)
    void slowlorisGets408AfterTheHeaderTimeout() throws Exception {
        try (TestServer server = TestServer.start(ok,
                b -> b.idleTimeout(Duration.ofMillis(300)).headerTimeout(Duration.ofMillis(700)));
                RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            byte[] head = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            CountDownLatch answered = new CountDownLatch(1);
            AtomicLong firstByte = new AtomicLong();
            AtomicInteger sent = new AtomicInteger();
            Thread trickler = new Thread(() -> {
                try {
                    for (byte b : head) {
                        if (answered.getCount() == 0) {
                            return;
                        }
                        firstByte.compareAndSet(0, System.nanoTime());
                        client.send(new byte[] {b});
                        sent.incrementAndGet();
                        answered.await(100, TimeUnit.MILLISECONDS);
                    }
                } catch (IOException | InterruptedException e) {
                    // the server may have closed
                }
            }, "slowloris");
            trickler.start();
            try {
                RawHttpClient.Response response = client.read();
                long elapsed = millisSince(firstByte.get());
                answered.countDown();
                assertEquals(408, response.status());
                assertEquals("close", response.header("connection"));
                assertTrue(elapsed >= 650, "408 too early: " + elapsed + " ms");
                assertTrue(elapsed < 2_500, "408 too late: " + elapsed + " ms");
                assertTrue(sent.get() < head.length, "the whole head went out");
                trickler.join(2_000);
                assertEquals(0, client.readToEnd().length);
            } finally {
                answered.countDown();
                trickler.join();
            }
        }
        assertEquals(0, handled.get());
    }

    @Test
    @Timeout(20)
    void stalledBodyFailsTheBlockingReadAfterTheBodyTimeout() throws Exception {
        CompletableFuture<Throwable> readOutcome = new CompletableFuture<>();
        AtomicLong bytesRead = new AtomicLong();
        HttpHandler handler = readsTheBodyThenAnswers(readOutcome, bytesRead, 408, ByteBuffer.wrap(new byte[0]));
        try (TestServer server = TestServer.start(handler, b -> b.bodyTimeout(Duration.ofMillis(400)));
                RawHttpClient client = new RawHttpClient(server.address(), 5_000)) {
            client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + repeat('h', 500));
            long stalled = System.nanoTime();
            Throwable failure = readOutcome.get(5, TimeUnit.SECONDS);
            long elapsed = millisSince(stalled);
            assertInstanceOf(IOException.class, failure, "the blocked read must fail");
            assertEquals(500, bytesRead.get(), "the bytes that did arrive are read first");
            assertTrue(elapsed >= 350, "body timeout too early: " + elapsed + " ms");
            assertTrue(elapsed < 2_500, "body timeout too late: " + elapsed + " ms");
            assertRefused(client, 408);
        }
    }

    @Test
    @Timeout(20)
    void clientThatNeverReadsIsDroppedAfterTheWriteTimeout() throws Exception {
        CompletableFuture<Throwable> writeOutcome = new CompletableFuture<>();
        AtomicLong written = new AtomicLong();
        HttpHandler handler = exchange -> workers.execute(() -> {
            HttpResponse response = exchange.response();
            ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
            try {
                response.start(200);
                for (long i = 0; i < 4096; i++) { // 1 GiB
                    chunk.clear();
                    response.writeFully(chunk);
                    written.set(response.bytesWritten());
                }
                writeOutcome.complete(null);
            } catch (IOException e) {
                writeOutcome.complete(e);
            } finally {
                response.end();
            }
        });
        try (TestServer server = TestServer.start(handler, b -> b.writeTimeout(Duration.ofMillis(400)));
                Socket socket = new Socket()) {
            socket.connect(server.address(), 5_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            Throwable failure = writeOutcome.get(10, TimeUnit.SECONDS);
            long elapsed = millisSince(start);
            assertInstanceOf(IOException.class, failure, "the blocked writeFully must fail");
            assertTrue(elapsed >= 400, "dropped too early: " + elapsed + " ms");
            assertTrue(written.get() < 64 * MIB, "wrote " + written.get());
            // The connection is gone: what was in flight, then the end.
            long received = drainUntilClosed(socket.getInputStream());
            assertTrue(received <= written.get() + 256 * 1024 + 1024, "received " + received);
        }
    }

    // ------------------------------------------------------------------ flow control

    /** Streams {@code total} bytes of a deterministic pattern with Content-Length; reports progress. */
    private HttpHandler streamer(long total, AtomicLong written, CompletableFuture<Throwable> outcome) {
        return exchange -> workers.execute(() -> {
            HttpResponse response = exchange.response();
            byte[] pattern = pattern(256 * 1024);
            ByteBuffer chunk = ByteBuffer.wrap(pattern);
            try {
                response.start(200).contentLength(total);
                for (long sent = 0; sent < total; ) {
                    chunk.clear().limit((int) Math.min(pattern.length, total - sent));
                    response.writeFully(chunk);
                    sent += chunk.limit();
                    written.set(response.bytesWritten());
                }
                outcome.complete(null);
            } catch (IOException e) {
                outcome.complete(e);
            } catch (RuntimeException e) {
                outcome.complete(e);
                throw e;
            } finally {
                response.end();
            }
        });
    }

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    @Test
    @Timeout(30)
    void slowReaderBlocksTheWriterInsteadOfBuffering() throws Exception {
        AtomicLong written = new AtomicLong();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        try (TestServer server = TestServer.start(streamer(1L << 30, written, outcome),
                b -> b.writeTimeout(Duration.ofSeconds(10)))) {
            try (Socket socket = new Socket()) {
                socket.connect(server.address(), 5_000);
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                long settled = awaitSettled(written, 300, 5_000);
                assertTrue(settled > 0, "nothing written");
                assertTrue(settled < 16 * MIB, "the handler wrote " + settled + " bytes to a client that reads nothing");
                assertFalse(outcome.isDone(), "the handler should be blocked in writeFully");
            }
            // Gone client: the blocked writer is freed with an IOException.
            assertInstanceOf(IOException.class, outcome.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    @Timeout(30)
    void slowReaderThatStartsReadingGetsEveryByte() throws Exception {
        long total = 64 * MIB;
        AtomicLong written = new AtomicLong();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        try (TestServer server = TestServer.start(streamer(total, written, outcome),
                b -> b.writeTimeout(Duration.ofSeconds(10)));
                RawHttpClient client = new RawHttpClient(server.address(), 10_000)) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            long settled = awaitSettled(written, 300, 5_000);
            assertTrue(settled < 16 * MIB, "the handler wrote " + settled + " bytes to a client that reads nothing");
            assertFalse(outcome.isDone());
            RawHttpClient.Response response = client.read();
            assertEquals(200, response.status());
            assertEquals(total, response.body().length);
            byte[] pattern = pattern(256 * 1024);
            CRC32 expected = new CRC32();
            for (long i = 0; i < total; i += pattern.length) {
                expected.update(pattern);
            }
            CRC32 actual = new CRC32();
            actual.update(response.body());
            assertEquals(expected.getValue(), actual.getValue());
            assertEquals(null, outcome.get(5, TimeUnit.SECONDS));
            // and the connection is still good
            client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        }
    }

    @Test
    @Timeout(30)
    void fastUploaderIsThrottledUntilTheHandlerReads() throws Exception {
        long total = 64 * MIB;
        CountDownLatch startReading = new CountDownLatch(1);
        HttpHandler handler = exchange -> workers.execute(() -> {
            try {
                startReading.await();
                CRC32 crc = new CRC32();
                long count = 0;
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                for (int n; (n = exchange.requestBody().readBlocking(buf)) >= 0; buf.clear()) {
                    buf.flip();
                    crc.update(buf);
                    count += n;
                }
                exchange.response().send(200, "text/plain",
                        ByteBuffer.wrap((count + ":" + crc.getValue()).getBytes(StandardCharsets.US_ASCII)));
            } catch (Exception e) {
                exchange.abort();
            }
        });
        try (TestServer server = TestServer.start(handler); Socket socket = new Socket()) {
            socket.connect(server.address(), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            AtomicLong uploaded = new AtomicLong();
            CRC32 sentCrc = new CRC32();
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + total + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    Random random = new Random(7);
                    for (long sent = 0; sent < total; sent += chunk.length) {
                        random.nextBytes(chunk);
                        sentCrc.update(chunk);
                        out.write(chunk);
                        uploaded.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, workers);
            Thread.sleep(500); // bounded wait for something that must not happen: the whole upload
            long during = uploaded.get();
            assertTrue(during < 32 * MIB, "the client wrote " + during + " bytes nobody read");
            assertFalse(upload.isDone());
            startReading.countDown();
            upload.get(20, TimeUnit.SECONDS);
            RawHttpClient.Response response = readResponse(socket);
            assertEquals(200, response.status());
            assertEquals(total + ":" + sentCrc.getValue(), response.text());
        }
    }

    /** Reads one Content-Length response straight from a socket. */
    private static RawHttpClient.Response readResponse(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertTrue(b >= 0, "closed in the head: " + head);
            head.append((char) b);
        }
        String[] lines = head.toString().split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).toLowerCase(java.util.Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        String length = headers.get("content-length");
        assertNotNull(length, "no Content-Length");
        byte[] body = in.readNBytes(Integer.parseInt(length));
        return new RawHttpClient.Response(status, lines[0], headers, body, java.util.List.of());
    }

    /**
     * A handler that reads the whole body on a worker, counting bytes and completing
     * {@code outcome} with null or the read's IOException, then answers 200, or
     * {@code failureStatus} with {@code failureBody} when the read failed.
     */
    private HttpHandler readsTheBodyThenAnswers(CompletableFuture<Throwable> outcome, AtomicLong bytesRead,
            int failureStatus, ByteBuffer failureBody) {
        return exchange -> workers.execute(() -> {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            try {
                for (int n; (n = exchange.requestBody().readBlocking(buf)) >= 0; buf.clear()) {
                    bytesRead.addAndGet(n);
                }
                outcome.complete(null);
                exchange.response().send(200, "text/plain", ByteBuffer.wrap(new byte[0]));
            } catch (IOException e) {
                outcome.complete(e);
                try {
                    exchange.response().send(failureStatus, "text/plain", failureBody);
                } catch (IOException ignored) {
                    exchange.abort();
                }
            }
        });
    }

}
