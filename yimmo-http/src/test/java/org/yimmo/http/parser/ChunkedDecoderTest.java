package org.yimmo.http.parser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.yimmo.http.parser.Feeds.bytes;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ChunkedDecoderTest {

    private static final HttpLimits LIMITS = HttpLimits.defaults();

    record Body(String name, String body, String expected) {
    }

    private static final List<Body> BODIES = List.of(
            new Body("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world|DONE@26"),
            new Body("upper-case hex and leading zeros", "00A\r\n0123456789\r\n000\r\n\r\n", "0123456789|DONE@24"),
            new Body("extensions", "3;name=value;q=\"a b;c\"\r\nabc\r\n2 ; x\r\nde\r\n0;last\r\n\r\n", "abcde|DONE@50"),
            new Body("trailers", "1\r\nx\r\n0\r\nExpires: never\r\nX-Sum:\t1 2 \r\n\r\n", "x|DONE@40"),
            new Body("empty body", "0\r\n\r\n", "|DONE@5"),
            new Body("bytes after the body stay", "1\r\nz\r\n0\r\n\r\nGET /", "z|DONE@11"),
            new Body("data holding CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n|DONE@14"),
            new Body("empty size", "\r\n", "|E400"),
            new Body("non-hex size", "g\r\nx\r\n0\r\n\r\n", "|E400"),
            new Body("signed size", "-1\r\n", "|E400"),
            new Body("0x prefix", "0x5\r\n", "|E400"),
            new Body("space before size", " 5\r\n", "|E400"),
            new Body("space after size without extension", "5 \r\nhello\r\n0\r\n\r\n", "|E400"),
            new Body("size overflow", "1000000000000000\r\n", "|E400"),
            new Body("just under overflow, over body limit", "fffffffffffffff\r\n", "|E413"),
            new Body("bare LF after size", "5\nhello\r\n0\r\n\r\n", "|E400"),
            new Body("bare CR after size", "5\rhello\r\n0\r\n\r\n", "|E400"),
            new Body("control byte in extension", "5;a\0b\r\nhello\r\n0\r\n\r\n", "|E400"),
            new Body("data longer than size", "3\r\nhello\r\n0\r\n\r\n", "hel|E400"),
            new Body("missing CRLF after data", "5\r\nhello0\r\n\r\n", "hello|E400"),
            new Body("LF only after data", "5\r\nhello\n0\r\n\r\n", "hello|E400"),
            new Body("obs-fold in trailer", "0\r\nA: b\r\n c\r\n\r\n", "|E400"),
            new Body("space before colon in trailer", "0\r\nA : b\r\n\r\n", "|E400"),
            new Body("no colon in trailer", "0\r\nAb\r\n\r\n", "|E400"),
            new Body("control byte in trailer", "0\r\nA: \u0001\r\n\r\n", "|E400"),
            new Body("bare LF in trailer", "0\r\nA: b\n\r\n", "|E400"),
            new Body("bare LF ends trailers", "0\r\n\n", "|E400"),
            new Body("truncated", "5\r\nhel", "hel|INCOMPLETE"));

    @TestFactory
    Stream<DynamicTest> shouldDecodeTheSameHoweverTheBodyIsSplit() {
        return BODIES.stream().map(b -> DynamicTest.dynamicTest(b.name(), () -> {
            byte[] input = bytes(b.body());
            assertEquals(b.expected(), Feeds.chunked(new byte[][] {input}, LIMITS, true), "whole");
            for (int cut = 1; cut < input.length; cut++) {
                assertEquals(b.expected(), Feeds.chunked(Feeds.split(input, cut), LIMITS, cut % 2 == 1),
                        "split at " + cut);
            }
            assertEquals(b.expected(), Feeds.chunked(Feeds.bytewise(input), LIMITS, false), "bytewise");
        }));
    }

    private static HttpLimits limits(long bodyMax, int trailerMax, int countMax) {
        return new HttpLimits(8192, 65536, countMax, bodyMax, trailerMax);
    }

    private static String decode(String body, HttpLimits limits) {
        String whole = Feeds.chunked(new byte[][] {bytes(body)}, limits, false);
        assertEquals(whole, Feeds.chunked(Feeds.bytewise(bytes(body)), limits, true), "bytewise");
        return whole;
    }

    @Test
    void shouldAcceptABodyExactlyAtTheLimitAndRefuseOneByteMore() {
        assertEquals("abcde|DONE@20", decode("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", limits(5, 64, 10)));
        assertEquals("abc|E413", decode("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", limits(5, 64, 10)));
        assertEquals("|E413", decode("6\r\nabcdef\r\n0\r\n\r\n", limits(5, 64, 10)));
    }

    @Test
    void shouldBoundTheTrailerSection() {
        // "X: 12\r\n" is 7 bytes, the final CRLF 2: 9 in all.
        String body = "0\r\nX: 12\r\n\r\n";
        assertEquals("|DONE@12", decode(body, limits(100, 9, 10)));
        assertEquals("|E431", decode(body, limits(100, 8, 10)));
        String two = "0\r\nA: 1\r\nB: 2\r\n\r\n";
        assertEquals("|DONE@17", decode(two, limits(100, 64, 2)));
        assertEquals("|E431", decode(two, limits(100, 64, 1)));
    }

    @Test
    void shouldBoundTheChunkSizeLine() {
        String at = "1;" + "e".repeat(ChunkedDecoder.MAX_SIZE_LINE - 2) + "\r\nx\r\n0\r\n\r\n";
        assertEquals("x|DONE@" + at.length(), decode(at, LIMITS));
        String over = "1;" + "e".repeat(ChunkedDecoder.MAX_SIZE_LINE - 1) + "\r\nx\r\n0\r\n\r\n";
        assertEquals("|E400", decode(over, LIMITS));
    }

    @Test
    void shouldYieldDataInPlaceAndCountTheBody() {
        ByteBuffer buffer = ByteBuffer.wrap(bytes("5\r\nhello\r\n0\r\n\r\n"));
        ChunkedDecoder decoder = new ChunkedDecoder(LIMITS);
        assertEquals(ChunkedDecoder.DATA, decoder.decode(buffer));
        assertEquals(3, decoder.dataStart());
        assertEquals(8, decoder.dataEnd());
        assertEquals(8, buffer.position());
        assertEquals(5, decoder.bodyLength());
        assertEquals(ChunkedDecoder.DONE, decoder.decode(buffer));
        assertEquals(ChunkedDecoder.DONE, decoder.decode(buffer));
        decoder.reset();
        assertEquals(ChunkedDecoder.ERROR, decoder.decode(ByteBuffer.wrap(bytes("z"))));
        assertEquals(400, decoder.errorStatus());
        assertEquals("invalid chunk size", decoder.errorReason());
    }
}
