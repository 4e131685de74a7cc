package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Corners of the session beyond the main behaviour: more pipelining, bodies, early answers. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpSessionEdgeCaseTest {

    private static String get(String target) {
        return HttpSessionBehaviourTest.get(target);
    }

    @Test
    void requestPipelinedAfterConnectionCloseIsNotServed() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        HttpHandler handler = exchange -> {
            handled.incrementAndGet();
            HttpSessionBehaviourTest.TARGET.handle(exchange);
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get("/ignored"));
            RawHttpClient.Response response = client.read();
            assertEquals("/last", response.text());
            assertEquals("close", response.header("connection"));
            assertEquals(0, client.readToEnd().length, "something was sent after the closing response");
        }
        assertEquals(1, handled.get());
    }

    @Test
    void thousandPipelinedRequestsAnsweredOnTheReactorThread() throws Exception {
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            requests.append(get("/n/" + i));
        }
        try (TestServer server = TestServer.start(HttpSessionBehaviourTest.TARGET);
                RawHttpClient client = server.connect()) {
            client.send(requests.toString());
            for (int i = 0; i < 1000; i++) {
                assertEquals("/n/" + i, client.read().text());
            }
        }
    }

    @Test
    void http10ExpectContinueIsIgnored() throws Exception {
        try (TestServer server = TestServer.start(HttpSessionBehaviourTest.ECHO); RawHttpClient client = server.connect()) {
            client.send("POST /old HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello");
            RawHttpClient.Response response = client.read();
            assertEquals(200, response.status(), "no 1xx may go to an HTTP/1.0 client (RFC 9110 15.2)");
            assertEquals("/old|hello", response.text());
        }
    }

    @Test
    void expectContinueWithAChunkedBodyReadOnTheReactorThread() throws Exception {
        HttpHandler handler = exchange -> {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1000);
            long[] total = {0};
            new Runnable() {
                @Override
                public void run() {
                    try {
                        for (int n; (n = exchange.requestBody().read(buf.clear())) != 0; ) {
                            if (n < 0) {
                                HttpSessionBehaviourTest.sendText(exchange,
                                        total[0] + ":" + HexFormat.of().formatHex(digest.digest()));
                                return;
                            }
                            digest.update(buf.array(), 0, n);
                            total[0] += n;
                        }
                        exchange.requestBody().whenReadable(this);
                    } catch (IOException e) {
                        exchange.abort();
                    }
                }
            }.run();
        };
        byte[] data = HttpSessionBehaviourTest.randomBytes(1_000_000, 31);
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send("POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertEquals(100, client.read().status());
            for (int at = 0; at < data.length; at += 10_000) {
                client.send(HttpSessionBehaviourTest.ascii("2710\r\n"));
                client.send(java.util.Arrays.copyOfRange(data, at, at + 10_000));
                client.send(HttpSessionBehaviourTest.ascii("\r\n"));
            }
            client.send("0\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals(data.length + ":" + HttpSessionBehaviourTest.sha256(data), response.text());
            assertNull(response.header("connection"));
            assertEquals("0:" + HttpSessionBehaviourTest.sha256(new byte[0]), client.send(get("/next")).read().text());
        }
    }

    @Test
    void bodyShorterThanItsContentLengthClosesTheConnection() throws Exception {
        HttpHandler handler = exchange -> {
            exchange.response().start(200).contentLength(10);
            exchange.response().write(ByteBuffer.wrap("short".getBytes(StandardCharsets.US_ASCII)));
            exchange.response().end();
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send(get("/"));
            assertThrows(EOFException.class, client::read, "the client must see the truncation");
        }
    }

    @Test
    void largeUnreadBodyClosesTheConnectionInsteadOfDraining() throws Exception {
        try (TestServer server = TestServer.start(HttpSessionBehaviourTest.TARGET); RawHttpClient client = server.connect()) {
            client.send("POST /huge HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals("/huge", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void unreadChunkedBodyClosesTheConnection() throws Exception {
        try (TestServer server = TestServer.start(HttpSessionBehaviourTest.TARGET); RawHttpClient client = server.connect()) {
            client.send("POST /ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals("/ch", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void handlerThrowingAfterTheHeadIsCommittedClosesTheConnection() throws Exception {
        HttpHandler handler = exchange -> {
            exchange.response().start(200).contentLength(100);
            exchange.response().write(ByteBuffer.wrap(new byte[10]));
            throw new IllegalStateException("half way");
        };
        try (TestServer server = TestServer.start(handler); RawHttpClient client = server.connect()) {
            client.send(get("/"));
            assertThrows(EOFException.class, client::read);
        }
    }

    @Test
    void clientHalfCloseAfterTheRequestStillGetsTheResponse() throws Exception {
        try (TestServer server = TestServer.start(HttpSessionBehaviourTest.ECHO); RawHttpClient client = server.connect()) {
            client.send("POST /half HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            client.socket().shutdownOutput();
            RawHttpClient.Response response = client.read();
            assertEquals("/half|abc", response.text());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void clientGoingAwayMidResponseFailsTheWriter() throws Exception {
        AtomicReference<Throwable> writerSaw = new AtomicReference<>();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        HttpHandler handler = HttpSessionBehaviourTest.onWorker(exchange -> {
            if (!exchange.path().equals("/forever")) {
                HttpSessionBehaviourTest.sendText(exchange, "short");
                return;
            }
            try {
                exchange.response().start(200);
                ByteBuffer block = ByteBuffer.allocate(64 * 1024);
                for (int i = 0; i < 100_000; i++) {
                    exchange.response().writeFully(block.clear());
                }
            } catch (Throwable t) {
                writerSaw.set(t);
            } finally {
                done.countDown();
            }
        });
        try (TestServer server = TestServer.start(handler)) {
            RawHttpClient client = server.connect();
            client.send(get("/forever"));
            assertEquals('H', client.socket().getInputStream().read());
            client.socket().setSoLinger(true, 0); // a reset, like a client that crashed
            client.close();
            assertTrue(done.await(20, TimeUnit.SECONDS), "the writer never noticed the client was gone");
            assertTrue(writerSaw.get() instanceof IOException, String.valueOf(writerSaw.get()));
            try (RawHttpClient other = server.connect()) {
                assertEquals("short", other.send(get("/x")).read().text());
            }
        }
    }

    @Test
    void closingAServerOnACallerOwnedReactorClosesItsIdleConnections() throws Exception {
        org.yimmo.core.reactor.Reactor reactor = org.yimmo.core.reactor.ReactorSelection.open(
                TestServer.reactorName(), org.yimmo.core.reactor.ReactorOptions.defaults());
        Thread thread = reactor.start("caller-owned");
        try {
            HttpServer server = HttpServer.builder().listen("127.0.0.1:0").reactor(reactor)
                    .idleTimeout(java.time.Duration.ofSeconds(60))
                    .handler(HttpSessionBehaviourTest.TARGET).start();
            try (RawHttpClient client = new RawHttpClient(server.localAddresses().get(0), 5_000)) {
                assertEquals("/a", client.send(get("/a")).read().text());
                server.close(); // "Stops listening and closes every connection."
                assertTrue(client.closedByServer(), "an idle keep-alive connection outlived HttpServer.close()");
            }
        } finally {
            reactor.close();
            thread.join(5_000);
        }
    }
}
