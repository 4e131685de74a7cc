package org.yimmo.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseParserTest {

    private final ResponseParser parser = new ResponseParser();

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void shouldFrameContentLengthResponsesFedOneByteAtATime() throws Exception {
        ByteBuffer all = bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\n"
                + "content-length:0\r\nConnection: close\r\n\r\n");
        int completed = 0;
        for (int i = 0; i < all.limit(); i++) {
            ByteBuffer one = all.slice(i, 1);
            if (parser.parse(one)) {
                completed++;
                assertEquals(completed == 1 ? 200 : 404, parser.status());
                assertEquals(completed == 2, parser.closeAfter());
                parser.reset(false);
            }
            assertFalse(one.hasRemaining());
        }
        assertEquals(2, completed);
    }

    @Test
    void shouldFrameChunkedResponsesWithTrailersAndLeaveTheNextResponseUnread() throws Exception {
        ByteBuffer in = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWiki\r\n"
                + "A\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        assertTrue(parser.parse(in));
        assertEquals(200, parser.status());
        parser.reset(false);
        assertTrue(parser.parse(in));
        assertEquals(204, parser.status());
        assertFalse(in.hasRemaining());
    }

    @Test
    void shouldSkipInterimResponsesAndReadBodiesWithoutLengthUntilTheEnd() throws Exception {
        assertFalse(parser.parse(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nbody until close")));
        assertTrue(parser.endOfStream());
        assertTrue(parser.closeAfter());
        assertEquals(200, parser.status());
    }

    @Test
    void shouldNotExpectABodyForAHeadRequest() throws Exception {
        parser.reset(true);
        assertTrue(parser.parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")));
    }

    @Test
    void shouldRefuseWhatItCannotFrame() {
        assertThrows(ResponseParser.MalformedResponse.class, () -> parser.parse(bytes("SSH-2.0-OpenSSH\r\n")));
        parser.reset(false);
        assertThrows(ResponseParser.MalformedResponse.class,
                () -> parser.parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n")));
        parser.reset(false);
        assertThrows(ResponseParser.MalformedResponse.class,
                () -> parser.parse(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")));
    }
}
