package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server against a real client ({@link java.net.http.HttpClient} over HTTP/1.1) and against
 * many raw connections at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpClientInteropTest {

    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "interop-worker");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void stopWorkers() {
        WORKERS.shutdownNow();
    }

    /**
     * Answers "METHOD target chunked=B length=N sha=HEX" after reading the whole body on a worker
     * thread; a path starting with /sync is answered on the reactor thread without a body.
     */
    static final HttpHandler DESCRIBE = exchange -> {
        if (exchange.path().startsWith("/sync")) {
            HttpSessionBehaviourTest.sendText(exchange, exchange.method() + " " + exchange.target());
            return;
        }
        WORKERS.execute(() -> {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                ByteBuffer buf = ByteBuffer.allocate(16_384);
                long length = 0;
                int n;
                while ((n = exchange.requestBody().readBlocking(buf)) >= 0) {
                    digest.update(buf.array(), 0, n);
                    length += n;
                    buf.clear();
                }
                HttpSessionBehaviourTest.sendText(exchange, exchange.method() + " " + exchange.target()
                        + " chunked=" + exchange.request().chunked() + " length=" + length
                        + " sha=" + HexFormat.of().formatHex(digest.digest()));
            } catch (Exception e) {
                exchange.abort();
            }
        });
    };

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static String describe(String method, String target, boolean chunked, byte[] body) {
        return method + " " + target + " chunked=" + chunked + " length=" + body.length
                + " sha=" + HttpSessionBehaviourTest.sha256(body);
    }

    // ---------------------------------------------------------------- java.net.http.HttpClient

    @Test
    void httpClientGet() throws Exception {
        try (TestServer server = TestServer.start(DESCRIBE)) {
            HttpClient client = client();
            for (int i = 0; i < 3; i++) {
                var response = client.send(HttpRequest.newBuilder(server.uri("/get?i=" + i)).GET().build(),
                        BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals(HttpClient.Version.HTTP_1_1, response.version());
                assertEquals(describe("GET", "/get?i=" + i, false, new byte[0]), response.body());
                assertEquals("yimmo", response.headers().firstValue("server").orElseThrow());
            }
        }
    }

    @Test
    void httpClientPostsAByteArrayBody() throws Exception {
        byte[] body = HttpSessionBehaviourTest.randomBytes(300_000, 21);
        try (TestServer server = TestServer.start(DESCRIBE)) {
            var response = client().send(HttpRequest.newBuilder(server.uri("/post"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(describe("POST", "/post", false, body), response.body());
        }
    }

    @Test
    void httpClientStreamsABodyOfUnknownLengthChunked() throws Exception {
        byte[] body = HttpSessionBehaviourTest.randomBytes(1_500_000, 22);
        try (TestServer server = TestServer.start(DESCRIBE)) {
            HttpRequest.BodyPublisher streaming =
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
            assertEquals(-1, streaming.contentLength());
            var response = client().send(HttpRequest.newBuilder(server.uri("/stream"))
                    .POST(streaming).build(), BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(describe("POST", "/stream", true, body), response.body());
        }
    }

    @Test
    void httpClientWithExpectContinueGetsItsBodyRead() throws Exception {
        byte[] body = "expected body".getBytes(StandardCharsets.US_ASCII);
        try (TestServer server = TestServer.start(DESCRIBE)) {
            var response = client().send(HttpRequest.newBuilder(server.uri("/expect")).expectContinue(true)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(describe("POST", "/expect", false, body), response.body());
        }
    }

    @Test
    void httpClientReadsAChunkedResponse() throws Exception {
        byte[] data = HttpSessionBehaviourTest.randomBytes(3_000_000, 23);
        HttpHandler handler = HttpSessionBehaviourTest.onWorker(exchange -> {
            exchange.response().start(200);
            exchange.response().writeFully(ByteBuffer.wrap(data));
            exchange.response().end();
        });
        try (TestServer server = TestServer.start(handler)) {
            var response = client().send(HttpRequest.newBuilder(server.uri("/")).build(),
                    BodyHandlers.ofByteArray());
            assertEquals("chunked", response.headers().firstValue("transfer-encoding").orElseThrow());
            assertEquals(HttpSessionBehaviourTest.sha256(data), HttpSessionBehaviourTest.sha256(response.body()));
        }
    }

    @Test
    void twoHundredConcurrentHttpClientRequestsAreAllAnsweredCorrectly() throws Exception {
        try (TestServer server = TestServer.start(DESCRIBE)) {
            HttpClient client = client();
            List<CompletableFuture<java.net.http.HttpResponse<String>>> futures = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                HttpRequest request;
                switch (i % 3) {
                    case 0 -> {
                        request = HttpRequest.newBuilder(server.uri("/sync/" + i)).build();
                        expected.add("GET /sync/" + i);
                    }
                    case 1 -> {
                        request = HttpRequest.newBuilder(server.uri("/get/" + i)).build();
                        expected.add(describe("GET", "/get/" + i, false, new byte[0]));
                    }
                    default -> {
                        byte[] body = HttpSessionBehaviourTest.randomBytes(1000 + i * 97, i);
                        request = HttpRequest.newBuilder(server.uri("/post/" + i))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                        expected.add(describe("POST", "/post/" + i, false, body));
                    }
                }
                futures.add(client.sendAsync(request, BodyHandlers.ofString()));
            }
            for (int i = 0; i < 200; i++) {
                var response = futures.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode(), "request " + i);
                assertEquals(expected.get(i), response.body(), "request " + i);
            }
        }
    }

    // ---------------------------------------------------------------- many raw connections

    @Test
    void threeHundredConcurrentKeepAliveConnectionsAreAllServedCorrectly() throws Exception {
        int connections = 300;
        int requestsEach = 5;
        HttpHandler handler = exchange -> {
            if (exchange.path().endsWith("/odd")) {
                WORKERS.execute(() -> {
                    try {
                        HttpSessionBehaviourTest.sendText(exchange, "worker " + exchange.target());
                    } catch (IOException e) {
                        exchange.abort();
                    }
                });
            } else {
                HttpSessionBehaviourTest.sendText(exchange, "reactor " + exchange.target());
            }
        };
        ExecutorService clients = Executors.newFixedThreadPool(connections);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (TestServer server = TestServer.start(handler)) {
            CountDownLatch allConnected = new CountDownLatch(connections);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int id = c;
                done.add(clients.submit(() -> {
                    try (RawHttpClient client = new RawHttpClient(server.address(), 20_000)) {
                        allConnected.countDown();
                        // Every connection is open before any request: they really are concurrent.
                        if (!allConnected.await(20, TimeUnit.SECONDS)) {
                            failures.add(id + ": not all connected");
                            return null;
                        }
                        for (int r = 0; r < requestsEach; r++) {
                            String target = "/c" + id + "/r" + r + (r % 2 == 1 ? "/odd" : "/even");
                            RawHttpClient.Response response =
                                    client.send(HttpSessionBehaviourTest.get(target)).read();
                            String want = (r % 2 == 1 ? "worker " : "reactor ") + target;
                            if (response.status() != 200 || !want.equals(response.text())) {
                                failures.add(id + "/" + r + ": " + response.status() + " " + response.text());
                            }
                        }
                    } catch (Exception e) {
                        allConnected.countDown();
                        failures.add(id + ": " + e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(50, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures, e.g. " + failures.peek());
    }
}
