package org.yimmo.http.parser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.yimmo.core.testing.Allocation;

/** After warm-up, parsing a typical request and decoding a chunked body allocate nothing. */
class ParserAllocationTest {

    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 200_000;

    private static final byte[] REQUEST = Feeds.bytes("POST /api/v1/items?id=42 HTTP/1.1\r\n"
            + "Host: api.example.com\r\nUser-Agent: client/1.0\r\nAccept: application/json\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
            + "4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Check: 1\r\n\r\n");

    private static long once(ByteBuffer buffer, RequestHeadParser parser, ChunkedDecoder decoder) {
        buffer.clear();
        parser.reset();
        decoder.reset();
        long sink = 0;
        if (parser.parse(buffer) != RequestHeadParser.COMPLETE || !parser.head().chunked()) {
            throw new AssertionError("parse failed: " + parser.errorReason());
        }
        for (;;) {
            int r = decoder.decode(buffer);
            if (r == ChunkedDecoder.DATA) {
                sink += decoder.dataEnd() - decoder.dataStart();
            } else if (r == ChunkedDecoder.DONE) {
                return sink + parser.head().headerCount();
            } else {
                throw new AssertionError("decode: " + r);
            }
        }
    }

    @Test
    void shouldNotAllocatePerRequestAfterWarmUp() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(REQUEST.length);
        buffer.put(REQUEST);
        RequestHeadParser parser = new RequestHeadParser(HttpLimits.defaults());
        ChunkedDecoder decoder = new ChunkedDecoder(HttpLimits.defaults());
        long[] sink = {0};
        for (int k = 0; k < WARM_UP; k++) {
            sink[0] += once(buffer, parser, decoder);
        }
        long allocated = Allocation.bytesAllocatedBy(() -> {
            for (int k = 0; k < MEASURED; k++) {
                sink[0] += once(buffer, parser, decoder);
            }
        });
        assertEquals((long) (WARM_UP + MEASURED) * 13, sink[0]);
        // JIT activity can allocate a little on this thread; a per-request object would be
        // at least 16 bytes x 200,000.
        assertTrue(allocated < MEASURED / 10, "allocated " + allocated + " bytes over " + MEASURED + " requests");
    }
}
