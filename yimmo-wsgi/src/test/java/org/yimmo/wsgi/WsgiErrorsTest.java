package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Application errors and clients that go away. One worker thread: that every request after a
 * failure or a disconnect is served proves the worker was freed.
 */
class WsgiErrorsTest extends WsgiServerFixture {

    @Override
    protected String[] options() {
        return new String[] {"-t", "1"};
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "before      | RuntimeError: boom before start_response",
        "after_start | RuntimeError: boom after start_response",
        "first_next  | RuntimeError: boom in the first next()",
    })
    void errorBeforeAnythingWasSentIsA500(String where, String logged) throws Exception {
        HttpResponse<String> response = get("/error?where=" + where);
        assertEquals(500, response.statusCode());
        assertEquals("Internal Server Error\n", response.body(), "a generic body, no traceback");
        String log = server.awaitLog(logMark(), logged, Duration.ofSeconds(5));
        assertTrue(log.contains("Traceback (most recent call last)"), log);
        assertTrue(log.contains("in error_app") || log.contains("in body"), log);
        assertStillServing();
    }

    @Test
    void errorDuringIterationClosesTheConnection() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /error?where=iter&id=e1 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(200, response.status(), "the head was out already");
            assertEquals("part one\n", response.text());
            assertFalse(response.complete(), "cut short: the client learns of the failure by the close");
        }
        String log = server.awaitLog(logMark(), "RuntimeError: boom during iteration", Duration.ofSeconds(5));
        assertTrue(log.contains("Traceback (most recent call last)"), log);
        assertEquals(List.of(1L), state("closed:e1"), "close() called after the failure");
        assertStillServing();
    }

    @Test
    void errorInCloseIsLogged() throws Exception {
        HttpResponse<String> response = get("/error?where=close");
        assertEquals(200, response.statusCode(), "the body was complete before close()");
        assertEquals("body of a result whose close() fails\n", response.body());
        String log = server.awaitLog(logMark(), "RuntimeError: boom in close()", Duration.ofSeconds(5));
        assertTrue(log.contains("Traceback (most recent call last)"), log);
        assertStillServing();
    }

    @Test
    void nonBytesChunkIsA500() throws Exception {
        breaksPepOnPurpose("yields a str, not bytes");
        HttpResponse<String> response = get("/error?where=not_bytes");
        assertEquals(500, response.statusCode());
        assertEquals("Internal Server Error\n", response.body());
        server.awaitLog(logMark(), "not bytes", Duration.ofSeconds(5));
        assertStillServing();
    }

    @Test
    void clientGoneDuringABlockingInputRead() throws Exception {
        try (RawClient client = raw()) {
            client.send("POST /blockread?id=gone-in HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
            Thread.sleep(500); // the app is now waiting in wsgi.input.read for the other 99,000 bytes
            client.socket().setSoLinger(true, 0);
        }
        // -t 1: this is served only if the worker came out of the read
        List<?> outcome = awaitState("gone-in", Duration.ofSeconds(10));
        assertEquals(1, outcome.size(), outcome::toString);
        assertTrue(outcome.get(0).toString().startsWith("OSError"), outcome::toString);
        assertStillServing();
    }

    @Test
    void clientGoneDuringASlowResponse() throws Exception {
        try (RawClient client = raw()) {
            client.send("GET /slow?chunks=100&size=100&delay=0.05&id=gone-out HTTP/1.1\r\nHost: t\r\n\r\n");
            client.setTimeout(5000);
            assertTrue(client.socket().getInputStream().readNBytes(300).length > 0);
            client.socket().setSoLinger(true, 0);
        }
        long start = System.nanoTime();
        List<?> closed = awaitState("closed:gone-out", Duration.ofSeconds(10));
        assertEquals(1, closed.size());
        assertTrue(((Number) closed.get(0)).intValue() < 100, closed::toString);
        assertTrue(System.nanoTime() - start < 4_000_000_000L, "not waiting for the 5 s the whole response would take");
        assertStillServing();
    }
}
