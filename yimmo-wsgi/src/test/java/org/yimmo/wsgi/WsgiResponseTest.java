package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PEP 3333 "The start_response() Callable" and "Buffering and Streaming", one worker thread. */
class WsgiResponseTest extends WsgiServerFixture {

    @Override
    protected String[] options() {
        return new String[] {"-t", "1"};
    }

    // --- start_response: what the server must refuse --------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "nonlatin1_value       | holds a character outside latin-1",
        "nonlatin1_name        | holds a character outside latin-1",
        "crlf_value            | holds a control character",
        "lf_value              | holds a control character",
        "status_crlf           | holds a control character",
        "hop_connection        | hop-by-hop header 'Connection'",
        "hop_transfer_encoding | hop-by-hop header 'Transfer-Encoding'",
        "status_no_reason      | is not 'NNN Reason'",
        "status_words          | is not 'NNN Reason'",
        "status_two_digits     | is not 'NNN Reason'",
        "status_bytes          | the status is not a str",
        "header_int_value      | a header value is not a str",
        "header_bytes_name     | a header name is not a str",
        "header_not_tuple      | is not a (name, value) tuple",
        "header_space_name     | is not a token",
        "headers_tuple         | are not a list",
    })
    void invalidStatusOrHeadersGive500(String badCase, String reason) throws Exception {
        breaksPepOnPurpose("the status or headers are invalid (" + badCase + ")");
        HttpResponse<String> response = get("/bad?case=" + badCase);
        assertEquals(500, response.statusCode(), response::body);
        assertEquals("Internal Server Error\n", response.body());
        assertFalse(response.headers().firstValue("X-Bad").isPresent());
        assertFalse(response.headers().firstValue("Set-Cookie").isPresent());
        assertFalse(response.headers().firstValue("X-Injected").isPresent());
        server.awaitLog(logMark(), reason, Duration.ofSeconds(5));
        assertStillServing();
    }

    @Test
    void excInfoReplacesTheHeadersWhenNoneWereSent() throws Exception {
        HttpResponse<String> response = get("/excinfo?case=replace");
        assertEquals(503, response.statusCode());
        assertEquals("replacement body\n", response.body());
        assertEquals("1", response.headers().firstValue("X-New").orElse(null));
        assertFalse(response.headers().firstValue("X-Old").isPresent(), "the first headers are dropped");
    }

    @Test
    void excInfoIsReraisedOnceTheHeadersAreSent() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /excinfo?case=reraise HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals("first part\n", response.text());
            assertFalse(response.complete(), "the body is cut: the connection is closed");
        }
        assertEquals(List.of("late failure after the head went out"), state("reraised"));
        server.awaitLog(logMark(), "ValueError: late failure after the head went out", Duration.ofSeconds(5));
        assertStillServing();
    }

    @Test
    void startResponseTwiceWithoutExcInfoIsRefused() throws Exception {
        breaksPepOnPurpose("calls start_response() a second time without exc_info");
        HttpResponse<String> response = get("/excinfo?case=twice");
        assertEquals("second call refused\n", response.body());
        assertTrue(state("twice").toString().contains("start_response() called a second time"));
    }

    @Test
    void writeCallableStreams() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /write?n=3&delay=0.3 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals("chunked", response.header("Transfer-Encoding"));
            assertEquals("write 0\nwrite 1\nwrite 2\nreturned\n", response.text());
            assertTrue(response.complete());
            List<Long> times = response.chunkMillis();
            assertEquals(4, times.size(), () -> "one chunk per write() and per item: " + times);
            assertTrue(times.get(3) - times.get(0) >= 700, () -> "write() sends at once, not at the end: " + times);
            assertTrue(response.headMillis() <= times.get(0) + 50, "the head comes with the first chunk");
        }
    }

    @Test
    void headersWaitForTheFirstNonEmptyChunk() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /emptyfirst?delay=0.6 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals("data after empty chunks\n", response.text());
            assertTrue(response.headMillis() >= 550,
                    () -> "the head went out before the first non-empty chunk: at " + response.headMillis() + " ms");
        }
    }

    // --- streaming ------------------------------------------------------------------------

    @Test
    void generatorIsStreamedChunkByChunkAndClosed() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /slow?chunks=4&size=10&delay=0.3&id=s1 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals("chunked", response.header("Transfer-Encoding"));
            assertNull(response.header("Content-Length"));
            assertEquals("0000000000111111111122222222223333333333", response.text());
            List<Long> times = response.chunkMillis();
            assertEquals(4, times.size(), times::toString);
            for (int i = 1; i < 4; i++) {
                assertTrue(times.get(i) - times.get(i - 1) >= 200, () -> "chunks arrive as yielded: " + times);
            }
        }
        assertEquals(List.of(4L), state("closed:s1"));
    }

    @Test
    void contentLengthIsHonouredAndStillStreamed() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send(
                    "GET /slow?chunks=3&size=5&delay=0.3&length=1&id=cl1 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals("15", response.header("Content-Length"));
            assertNull(response.header("Transfer-Encoding"));
            assertEquals("000001111122222", response.text());
            assertTrue(response.complete());
            List<Long> times = response.chunkMillis();
            assertEquals(3, times.size(), times::toString);
            assertTrue(times.get(2) - times.get(0) >= 400, times::toString);
            // the connection stays open for the next request
            RawClient.Response next = client.send("GET /environ HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(200, next.status());
        }
        assertEquals(List.of(3L), state("closed:cl1"));
    }

    @Test
    void fewerBytesThanDeclaredIsLoggedAndClosesTheConnection() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /length?declared=100&send=10&id=f1 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals("100", response.header("Content-Length"));
            assertEquals(10, response.body().length);
            assertFalse(response.complete(), "the server closed the connection");
        }
        server.awaitLog(logMark(), "the application sent 10 of the 100 bytes its Content-Length declared", Duration.ofSeconds(5));
        assertEquals(List.of(2L), state("closed:f1"));
        assertStillServing();
    }

    @Test
    void moreBytesThanDeclaredIsLoggedAndClosesTheConnection() throws Exception {
        // 10 bytes fit, the next chunk of 50 goes past the declared 20
        try (RawClient client = raw()) {
            RawClient.Response response = client.send(
                    "GET /length?declared=20&send=60&first=10&id=m1 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals("20", response.header("Content-Length"));
            assertEquals("aaaaaaaaaa", response.text(), "what fitted, never more than declared");
            assertFalse(response.complete(), "the server closed the connection");
        }
        server.awaitLog(logMark(), "longer than its Content-Length", Duration.ofSeconds(5));
        assertEquals(List.of(2L), state("closed:m1"), "close() called");
        // the first chunk already goes past: nothing has gone out, so the client gets a clean 500
        int mark = server.log().length();
        try (RawClient client = raw()) {
            RawClient.Response response = client.send(
                    "GET /length?declared=20&send=60&first=30&id=m2 HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals(500, response.status());
            assertEquals("Internal Server Error\n", response.text());
        }
        server.awaitLog(mark, "longer than its Content-Length", Duration.ofSeconds(5));
        assertEquals(1, state("closed:m2").size(), "close() called");
        assertStillServing();
    }

    @Test
    void http10WithoutLengthIsCloseDelimited() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /slow?chunks=3&size=2&delay=0&id=h10 HTTP/1.0\r\n\r\n").read();
            assertEquals(200, response.status());
            assertNull(response.header("Transfer-Encoding"), "no chunked framing for HTTP/1.0");
            assertEquals("001122", response.text());
        }
        assertEquals(List.of(3L), state("closed:h10"));
    }

    @Test
    void closeIsCalledWhenTheClientGoesAwayMidResponse() throws Exception {
        try (RawClient client = raw()) {
            client.send("GET /slow?chunks=40&size=1000&delay=0.1&id=gone1 HTTP/1.1\r\nHost: t\r\n\r\n");
            client.setTimeout(5000);
            // read the head and some of the body, then go away
            byte[] some = client.socket().getInputStream().readNBytes(1500);
            assertTrue(some.length > 0);
            client.socket().setSoLinger(true, 0);
        }
        List<?> closed = awaitState("closed:gone1", Duration.ofSeconds(10));
        assertEquals(1, closed.size(), "close() called once");
        assertTrue(((Number) closed.get(0)).intValue() < 40, () -> "stopped early: " + closed);
        assertStillServing();
    }
}
