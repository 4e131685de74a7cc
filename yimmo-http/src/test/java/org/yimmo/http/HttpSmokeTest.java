package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class HttpSmokeTest {

    @Test
    void echoesBodiesFromAWorkerThreadInOrder() throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(2);
        HttpHandler echo = exchange -> workers.execute(() -> {
            try {
                ByteBuffer buf = ByteBuffer.allocate(1000);
                HttpResponse response = exchange.response();
                response.start(200);
                int n;
                while ((n = exchange.requestBody().readBlocking(buf)) >= 0) {
                    buf.flip();
                    response.writeFully(buf);
                    buf.clear();
                }
                response.end();
            } catch (Exception e) {
                exchange.abort();
            }
        });
        try (TestServer server = TestServer.start(echo); RawHttpClient client = server.connect()) {
            client.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                    + "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response a = client.read();
            RawHttpClient.Response b = client.read();
            RawHttpClient.Response c = client.read();
            assertEquals("hello", a.text());
            assertEquals("chunked", a.header("transfer-encoding"));
            assertEquals("abcde", b.text());
            assertEquals("", c.text());
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void anUncommittedResponseCanBeTakenBackAndReplaced() throws Exception {
        HttpHandler changesItsMind = exchange -> {
            HttpResponse response = exchange.response();
            response.start(200).header("X-First", "yes").contentLength(5);
            boolean reset = response.resetIfUncommitted();
            response.send(503, "text/plain", ByteBuffer.wrap(("reset " + reset).getBytes()));
            assertEquals(false, response.resetIfUncommitted(), "ended: nothing to take back");
        };
        try (TestServer server = TestServer.start(changesItsMind); RawHttpClient client = server.connect()) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            for (int i = 0; i < 2; i++) { // the reused pipe serves the next request cleanly too
                RawHttpClient.Response response = client.read();
                assertEquals(503, response.status());
                assertEquals(null, response.header("x-first"));
                assertEquals("reset true", response.text());
            }
        }
    }
}
