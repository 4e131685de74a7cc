package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a client sees of an {@link HttpSession} over real loopback sockets: connection persistence,
 * pipelining, {@code Expect: 100-continue}, HEAD, request and response framing, streaming, and
 * handler failures.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpSessionBehaviourTest {

    /**
     * Handler threads, shared with the other test classes through {@link #onWorker} and
     * {@link #ECHO}: daemons, never shut down (idle ones end on their own).
     */
    static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "behaviour-worker");
        t.setDaemon(true);
        return t;
    });

    private static final Pattern IMF_FIXDATE = Pattern.compile(
            "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                    + " [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT");

    // ---------------------------------------------------------------- helpers

    interface Work {
        void run(HttpExchange exchange) throws Exception;
    }

    /** Runs {@code work} on a worker thread; a failure aborts the exchange. */
    static HttpHandler onWorker(Work work) {
        return exchange -> WORKERS.execute(() -> {
            try {
                work.run(exchange);
            } catch (Throwable t) {
                exchange.abort();
            }
        });
    }

    static byte[] readBody(HttpExchange exchange) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (exchange.requestBody().readBlocking(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return out.toByteArray();
    }

    static void sendText(HttpExchange exchange, String text) throws IOException {
        exchange.response().send(200, "text/plain", ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** Answers with the request target, at once on the reactor thread. */
    static final HttpHandler TARGET = exchange -> sendText(exchange, exchange.target());

    /** Answers "target|body" from a worker thread after reading the whole body. */
    static final HttpHandler ECHO = onWorker(exchange ->
            sendText(exchange, exchange.target() + "|" + new String(readBody(exchange), StandardCharsets.ISO_8859_1)));

    static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] randomBytes(int length, long seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** Splits a raw response into head (without the empty line) and the bytes after it. */
    static String[] splitRaw(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        assertTrue(end > 0, "no end of head in: " + text);
        return new String[] {text.substring(0, end), text.substring(end + 4)};
    }

    static long countFields(RawHttpClient.Response response, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        return response.fieldLines().stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix)).count();
    }

    // ---------------------------------------------------------------- 1. keep-alive

    @Test
    void http11ConnectionCarriesSeveralSequentialRequests() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            for (int i = 0; i < 10; i++) {
                RawHttpClient.Response response = client.send(get("/seq/" + i)).read();
                assertEquals(200, response.status());
                assertEquals("/seq/" + i, response.text());
                assertNull(response.header("connection"), "HTTP/1.1 keep-alive needs no Connection field");
            }
        }
    }

    @Test
    void http10WithoutKeepAliveClosesAfterTheResponse() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            RawHttpClient.Response response = client.send("GET /old HTTP/1.0\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals("/old", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void http10WithKeepAliveStaysOpenAndSaysSo() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            for (int i = 0; i < 3; i++) {
                RawHttpClient.Response response =
                        client.send("GET /ka/" + i + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
                assertEquals("/ka/" + i, response.text());
                assertEquals("keep-alive", response.header("connection"));
            }
        }
    }

    @Test
    void clientConnectionCloseClosesAfterTheResponse() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            assertEquals("/one", client.send(get("/one")).read().text());
            RawHttpClient.Response response =
                    client.send("GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertEquals("/two", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void handlerConnectionCloseClosesAfterTheResponse() throws Exception {
        HttpHandler handler = exchange -> exchange.response().start(200).header("Connection", "close")
                .contentLength(2).write(ByteBuffer.wrap(ascii("ok")));
        HttpHandler ending = exchange -> {
            handler.handle(exchange);
            exchange.response().end();
        };
        try (TestServer server = TestServer.start(ending); RawHttpClient client = server.connect()) {
            RawHttpClient.Response response = client.send(get("/")).read();
            assertEquals("ok", response.text());
            assertEquals("close", response.header("connection"));
            assertEquals(1, countFields(response, "connection"));
            assertTrue(client.closedByServer());
        }
    }

    // ---------------------------------------------------------------- 2. pipelining

    /** 50 requests: GETs, Content-Length POSTs and chunked POSTs, each with its own marker. */
    static List<String> mixedRequests(int count) {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = "body-" + i + "-" + "x".repeat(i);
            requests.add(switch (i % 3) {
                case 0 -> get("/p/" + i);
                case 1 -> "POST /p/" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                        + "\r\n\r\n" + body;
                default -> "POST /p/" + i + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(3) + "\r\n" + body.substring(0, 3) + "\r\n"
                        + Integer.toHexString(body.length() - 3) + "\r\n" + body.substring(3) + "\r\n0\r\n\r\n";
            });
        }
        return requests;
    }

    static String expectedEcho(int i) {
        return i % 3 == 0 ? "/p/" + i + "|" : "/p/" + i + "|body-" + i + "-" + "x".repeat(i);
    }

    @Test
    void pipelinedRequestsInOneWriteAreAnsweredInOrder() throws Exception {
        try (TestServer server = TestServer.start(ECHO); RawHttpClient client = server.connect()) {
            client.send(String.join("", mixedRequests(50)));
            for (int i = 0; i < 50; i++) {
                RawHttpClient.Response response = client.read();
                assertEquals(200, response.status());
                assertEquals(expectedEcho(i), response.text());
            }
            // Still usable afterwards.
            assertEquals("/after|", client.send(get("/after")).read().text());
        }
    }

    @Test
    void pipelinedRequestsSplitAtAwkwardPointsAreAnsweredInOrder() throws Exception {
        byte[] all = ascii(String.join("", mixedRequests(50)));
        int byteByByte = ascii(String.join("", mixedRequests(4))).length;
        Random random = new Random(42);
        try (TestServer server = TestServer.start(ECHO); RawHttpClient client = server.connect()) {
            int at = 0;
            while (at < all.length) {
                int piece = at < byteByByte ? 1 : 1 + random.nextInt(13);
                piece = Math.min(piece, all.length - at);
                byte[] part = new byte[piece];
                System.arraycopy(all, at, part, 0, piece);
                client.send(part);
                at += piece;
            }
            for (int i = 0; i < 50; i++) {
                assertEquals(expectedEcho(i), client.read().text());
            }
        }
    }

    @Test
    void onlyOneRequestPerConnectionIsInTheHandlerAtATime() throws Exception {
        Map<SocketAddress, AtomicInteger> active = new ConcurrentHashMap<>();
        AtomicInteger maxActive = new AtomicInteger();
        AtomicInteger handled = new AtomicInteger();
        HttpHandler handler = exchange -> {
            AtomicInteger count = active.computeIfAbsent(exchange.remoteAddress(), a -> new AtomicInteger());
            maxActive.accumulateAndGet(count.incrementAndGet(), Math::max);
            handled.incrementAndGet();
            WORKERS.execute(() -> {
                try {
                    byte[] body = readBody(exchange);
                    TimeUnit.MILLISECONDS.sleep(3); // the answer comes late, from elsewhere
                    count.decrementAndGet();
                    sendText(exchange, exchange.target() + "|" + new String(body, StandardCharsets.ISO_8859_1));
                } catch (Exception e) {
                    exchange.abort();
                }
            });
        };
        try (TestServer server = TestServer.start(handler);
                RawHttpClient a = server.connect();
                RawHttpClient b = server.connect()) {
            String requests = String.join("", mixedRequests(30));
            a.send(requests);
            b.send(requests);
            for (int i = 0; i < 30; i++) {
                assertEquals(expectedEcho(i), a.read().text());
                assertEquals(expectedEcho(i), b.read().text());
            }
        }
        assertEquals(60, handled.get());
        assertEquals(1, maxActive.get(), "a connection had two exchanges in the handler at once");
    }

    // ---------------------------------------------------------------- 3. Expect: 100-continue

    @Test
    void continueIsSentOnlyWhenTheHandlerReadsTheBody() throws Exception {
        CountDownLatch mayRead = new CountDownLatch(1);
        CountDownLatch handlerCalled = new CountDownLatch(1);
        HttpHandler handler = onWorker(exchange -> {
            handlerCalled.countDown();
            assertTrue(mayRead.await(10, TimeUnit.SECONDS));
            sendText(exchange, "got " + new String(readBody(exchange), StandardCharsets.ISO_8859_1));
        });
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertTrue(handlerCalled.await(10, TimeUnit.SECONDS));
            TimeUnit.MILLISECONDS.sleep(200); // proving a negative: nothing may arrive meanwhile
            assertEquals(0, client.socket().getInputStream().available(), "100 Continue sent before the handler asked");
            mayRead.countDown();
            RawHttpClient.Response interim = client.read();
            assertEquals(100, interim.status());
            assertEquals("HTTP/1.1 100 Continue", interim.statusLine());
            client.send("hello");
            RawHttpClient.Response response = client.read();
            assertEquals(200, response.status());
            assertEquals("got hello", response.text());
            assertNull(response.header("connection"));
            assertEquals("got ", client.send(get("/next")).read().text(), "the connection stays usable");
        }
    }

    @Test
    void noContinueAndConnectionCloseWhenTheHandlerAnswersWithoutReading() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            client.send("POST /refuse HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals(200, response.status(), "the first response must be the final one, not a 100");
            assertEquals("/refuse", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void smallUnreadBodyIsDrainedAndTheConnectionStaysUsable() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            client.send("POST /ignored HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
            RawHttpClient.Response first = client.read();
            assertEquals("/ignored", first.text());
            assertNull(first.header("connection"));
            RawHttpClient.Response second = client.send(get("/second")).read();
            assertEquals(200, second.status());
            assertEquals("/second", second.text());
        }
    }

    @Test
    void unreadBodyArrivingAfterTheResponseIsDrained() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            client.send("POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n");
            assertEquals("/late", client.read().text());
            client.send(new byte[10000]);
            assertEquals("/second", client.send(get("/second")).read().text());
        }
    }

    // ---------------------------------------------------------------- 4. HEAD

    @Test
    void headSendsNoBodyKeepsContentLengthAndLeavesTheConnectionUsable() throws Exception {
        HttpHandler handler = exchange -> {
            HttpResponse response = exchange.response();
            response.start(200).header("Content-Type", "text/plain").contentLength(11);
            response.write(ByteBuffer.wrap(ascii("hello world")));
            response.end();
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/"));
            RawHttpClient.Response head = client.read(true);
            assertEquals(200, head.status());
            assertEquals("11", head.header("content-length"));
            RawHttpClient.Response get = client.read();
            assertEquals("hello world", get.text());
            client.send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals("11", client.read(true).header("content-length"));
            assertEquals(0, client.readToEnd().length, "HEAD response carried body bytes");
        }
    }

    @Test
    void headWithoutLengthSendsNoBodyEvenWhenTheHandlerStreamsOne() throws Exception {
        HttpHandler handler = onWorker(exchange -> {
            HttpResponse response = exchange.response();
            response.start(200);
            for (int i = 0; i < 10; i++) {
                response.writeFully(ByteBuffer.wrap(new byte[10_000]));
            }
            response.end();
        });
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response head = client.read(true);
            assertEquals(200, head.status());
            assertNull(head.header("transfer-encoding"), "a HEAD answer without a body has no chunking to announce");
            assertEquals(100_000, client.send(get("/")).read().body().length);
            client.send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            client.read(true);
            assertEquals(0, client.readToEnd().length, "HEAD response carried body bytes");
        }
    }

    // ---------------------------------------------------------------- 5. chunked request bodies

    @Test
    void chunkExtensionsAndTrailersAreHandled() throws Exception {
        try (TestServer server = TestServer.start(ECHO); RawHttpClient client = server.connect()) {
            client.send("POST /ext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=value;quoted=\"a;b\"\r\nhello\r\n"
                    + "1;lonely\r\n \r\n"
                    + "A ; spaced = 1\r\n0123456789\r\n"
                    + "0;last=1\r\nX-Trailer: dropped\r\nX-Other: also\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals(200, response.status());
            assertEquals("/ext|hello 0123456789", response.text());
            assertEquals("/after|", client.send(get("/after")).read().text());
        }
    }

    @Test
    void manyTinyChunksMakeOneBody() throws Exception {
        StringBuilder request = new StringBuilder("POST /tiny HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            char c = (char) ('a' + i % 26);
            request.append("1\r\n").append(c).append("\r\n");
            expected.append(c);
        }
        request.append("0\r\n\r\n");
        try (TestServer server = TestServer.start(ECHO); RawHttpClient client = server.connect()) {
            assertEquals("/tiny|" + expected, client.send(request.toString()).read().text());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void largeChunkedUploadArrivesIntact() throws Exception {
        byte[] data = randomBytes(5 * 1024 * 1024, 7);
        HttpHandler handler = onWorker(exchange -> {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(10_000);
            long total = 0;
            int n;
            while ((n = exchange.requestBody().readBlocking(buf)) >= 0) {
                digest.update(buf.array(), 0, n);
                total += n;
                buf.clear();
            }
            sendText(exchange, total + ":" + HexFormat.of().formatHex(digest.digest()));
        });
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            Random sizes = new Random(3);
            ByteArrayOutputStream chunk = new ByteArrayOutputStream();
            for (int at = 0; at < data.length; ) {
                int size = Math.min(data.length - at, 1 + sizes.nextInt(70_000));
                chunk.reset();
                chunk.write(ascii(Integer.toHexString(size) + "\r\n"));
                chunk.write(data, at, size);
                chunk.write(ascii("\r\n"));
                client.send(chunk.toByteArray());
                at += size;
            }
            client.send("0\r\n\r\n");
            assertEquals(data.length + ":" + sha256(data), client.read().text());
        }
    }

    // ---------------------------------------------------------------- 6. responses

    @Test
    void responseWithoutLengthIsChunkedOnHttp11() throws Exception {
        HttpHandler handler = exchange -> {
            HttpResponse response = exchange.response();
            response.start(200);
            response.write(ByteBuffer.wrap(ascii("abc")));
            response.write(ByteBuffer.wrap(ascii("0123456789abcdefg")));
            response.end();
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String[] raw = splitRaw(client.readToEnd());
            assertTrue(raw[0].contains("\r\nTransfer-Encoding: chunked"), raw[0]);
            assertFalse(raw[0].toLowerCase(Locale.ROOT).contains("content-length"), raw[0]);
            assertEquals("3\r\nabc\r\n11\r\n0123456789abcdefg\r\n0\r\n\r\n", raw[1]);
        }
    }

    @Test
    void responseWithoutLengthIsCloseDelimitedOnHttp10() throws Exception {
        HttpHandler handler = onWorker(exchange -> {
            HttpResponse response = exchange.response();
            response.start(200);
            response.writeFully(ByteBuffer.wrap(ascii("abc")));
            response.writeFully(ByteBuffer.wrap(ascii("def")));
            response.end();
        });
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertNull(response.header("transfer-encoding"));
            assertNull(response.header("content-length"));
            assertEquals("close", response.header("connection"));
            assertEquals("abcdef", response.text());
        }
    }

    @Test
    void emptyResponseGetsContentLengthZero() throws Exception {
        HttpHandler handler = exchange -> {
            if (exchange.path().equals("/started")) {
                exchange.response().start(201);
            }
            exchange.response().end();
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            RawHttpClient.Response plain = client.send(get("/")).read();
            assertEquals(200, plain.status());
            assertEquals("0", plain.header("content-length"));
            assertNull(plain.header("transfer-encoding"));
            RawHttpClient.Response started = client.send(get("/started")).read();
            assertEquals(201, started.status());
            assertEquals("0", started.header("content-length"));
        }
    }

    @Test
    void noContentAndNotModifiedCarryNoBody() throws Exception {
        HttpHandler handler = exchange -> {
            HttpResponse response = exchange.response();
            response.start(exchange.path().equals("/204") ? 204 : 304);
            if (exchange.path().equals("/304")) {
                response.header("ETag", "\"v1\"");
            }
            response.write(ByteBuffer.wrap(ascii("this must not be sent")));
            response.end();
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            RawHttpClient.Response noContent = client.send(get("/204")).read();
            assertEquals(204, noContent.status());
            assertNull(noContent.header("content-length"), "204 must not carry Content-Length (RFC 9110 8.6)");
            assertNull(noContent.header("transfer-encoding"));
            client.send("GET /304 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawHttpClient.Response notModified = client.read();
            assertEquals(304, notModified.status());
            assertEquals("\"v1\"", notModified.header("etag"));
            assertNull(notModified.header("transfer-encoding"));
            assertEquals(0, client.readToEnd().length, "body bytes after a 204 or 304");
        }
    }

    @Test
    void dateAndServerHeadersArePresentAndWellFormed() throws Exception {
        try (TestServer server = TestServer.start(TARGET); RawHttpClient client = server.connect()) {
            RawHttpClient.Response response = client.send(get("/")).read();
            assertNotNull(response.header("date"));
            assertTrue(IMF_FIXDATE.matcher(response.header("date")).matches(), response.header("date"));
            assertEquals("yimmo", response.header("server"));
            assertEquals(1, countFields(response, "date"));
            assertEquals(1, countFields(response, "server"));
        }
    }

    @Test
    void handlerSuppliedDateAndServerAreNotDuplicated() throws Exception {
        String date = "Sun, 06 Nov 1994 08:49:37 GMT";
        HttpHandler handler = exchange -> {
            exchange.response().start(200).header("date", date).header("SERVER", "mine/1.0");
            exchange.response().end();
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            RawHttpClient.Response response = client.send(get("/")).read();
            assertEquals(1, countFields(response, "date"));
            assertEquals(1, countFields(response, "server"));
            assertEquals(date, response.header("date"));
            assertEquals("mine/1.0", response.header("server"));
        }
    }

    @Test
    void headerInjectionIsRefusedAndTheClientGets500() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        HttpHandler handler = exchange -> {
            exchange.response().start(200).header("X-Fine", "yes");
            try {
                exchange.response().header("X-Evil", "a\r\nSet-Cookie: pwned=1");
            } catch (RuntimeException e) {
                thrown.set(e);
                throw e;
            }
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send(get("/"));
            RawHttpClient.Response response = client.read();
            assertEquals(500, response.status());
            assertEquals("close", response.header("connection"));
            assertNull(response.header("set-cookie"));
            assertNull(response.header("x-fine"), "the handler's staged head leaked into the 500");
            assertTrue(client.closedByServer());
        }
        assertTrue(thrown.get() instanceof IllegalArgumentException, String.valueOf(thrown.get()));
    }

    // ---------------------------------------------------------------- 7. streaming

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void largeResponseFromAWorkerArrivesIntact() throws Exception {
        byte[] data = randomBytes(20 * 1024 * 1024, 11);
        HttpHandler handler = onWorker(exchange -> {
            HttpResponse response = exchange.response();
            response.start(200);
            Random pieces = new Random(5);
            for (int at = 0; at < data.length; ) {
                int size = Math.min(data.length - at, 1 + pieces.nextInt(200_000));
                response.writeFully(ByteBuffer.wrap(data, at, size));
                at += size;
            }
            response.end();
        });
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            RawHttpClient.Response response = client.send(get("/big")).read();
            assertEquals("chunked", response.header("transfer-encoding"));
            assertEquals(data.length, response.body().length);
            assertEquals(sha256(data), sha256(response.body()));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void asyncHandlerStreamsALargeResponseOnTheReactorThread() throws Exception {
        byte[] data = randomBytes(20 * 1024 * 1024, 13);
        AtomicInteger offReactor = new AtomicInteger();
        AtomicInteger callbacks = new AtomicInteger();
        HttpHandler handler = exchange -> {
            HttpResponse response = exchange.response();
            response.start(200).contentLength(data.length);
            Thread reactorThread = Thread.currentThread();
            ByteBuffer source = ByteBuffer.wrap(data);
            new Runnable() {
                @Override
                public void run() {
                    callbacks.incrementAndGet();
                    if (Thread.currentThread() != reactorThread) {
                        offReactor.incrementAndGet();
                    }
                    try {
                        while (source.hasRemaining()) {
                            if (response.write(source) == 0) {
                                response.whenWritable(this);
                                return;
                            }
                        }
                        response.end();
                    } catch (IOException e) {
                        exchange.abort();
                    }
                }
            }.run();
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            RawHttpClient.Response response = client.send(get("/big")).read();
            assertEquals(String.valueOf(data.length), response.header("content-length"));
            assertArrayEquals(data, response.body());
        }
        assertTrue(callbacks.get() > 1, "the body never filled the buffer: not a streaming test");
        assertEquals(0, offReactor.get(), "whenWritable ran a callback off the reactor thread");
    }

    // ---------------------------------------------------------------- 8. handler exceptions

    @Test
    void handlerExceptionGets500AndClosesAndTheServerKeepsServing() throws Exception {
        HttpHandler handler = exchange -> {
            switch (exchange.path()) {
                case "/boom" -> throw new IllegalStateException("boom");
                case "/boom-after-start" -> {
                    exchange.response().start(200).header("X-Partial", "1");
                    throw new IOException("late boom");
                }
                default -> sendText(exchange, exchange.target());
            }
        };
        try (TestServer server = TestServer.start(handler);
                RawHttpClient bystander = server.connect();
                RawHttpClient victim = server.connect();
                RawHttpClient victim2 = server.connect()) {
            assertEquals("/before", bystander.send(get("/before")).read().text());
            RawHttpClient.Response failed = victim.send(get("/boom") + get("/never")).read();
            assertEquals(500, failed.status());
            assertEquals("close", failed.header("connection"));
            assertTrue(victim.closedByServer(), "the pipelined request after a failure must not be served");

            RawHttpClient.Response failed2 = victim2.send(get("/boom-after-start")).read();
            assertEquals(500, failed2.status());
            assertNull(failed2.header("x-partial"));
            assertTrue(victim2.closedByServer());

            assertEquals("/still", bystander.send(get("/still")).read().text());
            try (RawHttpClient fresh = server.connect()) {
                assertEquals("/fresh", fresh.send(get("/fresh")).read().text());
            }
        }
    }
}
