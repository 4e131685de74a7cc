package org.yimmo.http.parser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.yimmo.http.parser.Feeds.bytes;

import org.junit.jupiter.api.Test;

/** Each head limit exactly at its value and one byte (or field) over, fed every way. */
class HttpLimitsTest {

    private static HttpLimits limits(int line, int section, int count, long body) {
        return new HttpLimits(line, section, count, body, 8192);
    }

    /** The outcome, after checking it is the same whole, at every split and byte by byte. */
    private static String parse(String request, HttpLimits limits) {
        byte[] input = bytes(request);
        String whole = Feeds.head(new byte[][] {input}, limits, true);
        for (int cut = 1; cut < input.length; cut++) {
            assertEquals(whole, Feeds.head(Feeds.split(input, cut), limits, false), "split at " + cut);
        }
        assertEquals(whole, Feeds.head(Feeds.bytewise(input), limits, false), "bytewise");
        return whole;
    }

    private static boolean complete(String outcome) {
        return !outcome.startsWith("E") && !outcome.equals("INCOMPLETE");
    }

    /** A request line of exactly {@code length} bytes. */
    private static String requestLine(int length) {
        return "GET /" + "a".repeat(length - "GET / HTTP/1.1".length()) + " HTTP/1.1";
    }

    @Test
    void shouldAcceptARequestLineAtTheLimitAndAnswer414OneByteOver() {
        HttpLimits small = limits(40, 1024, 10, 100);
        assertTrue(complete(parse(requestLine(40) + "\r\nHost: h\r\n\r\n", small)));
        assertEquals("E414", parse(requestLine(41) + "\r\nHost: h\r\n\r\n", small));
        // A long method or target is caught before the version is read.
        assertEquals("E414", parse("GET /" + "a".repeat(60), small));
        assertEquals("E414", parse("A".repeat(41), small));

        HttpLimits defaults = HttpLimits.defaults();
        String at = requestLine(8192) + "\r\nHost: h\r\n\r\n";
        assertTrue(complete(Feeds.head(new byte[][] {bytes(at)}, defaults, true)));
        String over = requestLine(8193) + "\r\nHost: h\r\n\r\n";
        assertEquals("E414", Feeds.head(new byte[][] {bytes(over)}, defaults, true));
        assertEquals("E414", Feeds.head(Feeds.bytewise(bytes(over)), defaults, false));
    }

    @Test
    void shouldAcceptAHeaderSectionAtTheLimitAndAnswer431OneByteOver() {
        String section = "Host: h\r\nX-Pad: 0123456789\r\n\r\n";
        String request = "GET / HTTP/1.1\r\n" + section;
        assertTrue(complete(parse(request, limits(64, section.length(), 10, 100))));
        assertEquals("E431", parse(request, limits(64, section.length() - 1, 10, 100)));
        // Over the limit inside a name, a value, or at a CR.
        assertEquals("E431", parse(request, limits(64, 11, 10, 100)));
        assertEquals("E431", parse(request, limits(64, 20, 10, 100)));
        assertEquals("E431", parse(request, limits(64, section.length() - 2, 10, 100)));

        HttpLimits defaults = HttpLimits.defaults();
        String pad = "X: " + "v".repeat(65536 - "Host: h\r\n".length() - "X: \r\n".length() - 2) + "\r\n";
        String at = "GET / HTTP/1.1\r\nHost: h\r\n" + pad + "\r\n";
        assertTrue(complete(Feeds.head(new byte[][] {bytes(at)}, defaults, true)));
        String over = "GET / HTTP/1.1\r\nHost: h\r\nY" + pad + "\r\n";
        assertEquals("E431", Feeds.head(new byte[][] {bytes(over)}, defaults, true));
    }

    @Test
    void shouldAcceptTheMaximumFieldCountAndAnswer431ForOneMore() {
        String three = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
        assertTrue(complete(parse(three, limits(64, 1024, 3, 100))));
        assertEquals("E431", parse(three, limits(64, 1024, 2, 100)));

        StringBuilder hundred = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int k = 1; k < 100; k++) {
            hundred.append("F").append(k).append(": v\r\n");
        }
        String at = hundred + "\r\n";
        String over = hundred + "Z: 1\r\n\r\n";
        assertTrue(complete(Feeds.head(new byte[][] {bytes(at)}, HttpLimits.defaults(), false)));
        assertEquals("E431", Feeds.head(new byte[][] {bytes(over)}, HttpLimits.defaults(), false));
    }

    @Test
    void shouldAcceptContentLengthAtTheBodyLimitAndAnswer413OneOver() {
        String at = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n";
        assertTrue(complete(parse(at, limits(64, 1024, 10, 100))));
        assertEquals("E413", parse(at, limits(64, 1024, 10, 99)));
        String defaultAt = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1073741824\r\n\r\n";
        assertTrue(complete(parse(defaultAt, HttpLimits.defaults())));
    }

    @Test
    void shouldRefuseLimitsThatCouldNeverAcceptARequest() {
        assertThrows(IllegalArgumentException.class, () -> limits(13, 1024, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> limits(64, 1, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> limits(64, 1024, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> limits(64, 1024, 10, -1));
        assertThrows(IllegalArgumentException.class, () -> new HttpLimits(64, 1024, 10, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> limits(Integer.MAX_VALUE, 1024, 10, 0));
        HttpLimits d = HttpLimits.defaults();
        assertEquals(8192, d.requestLineMax());
        assertEquals(65536, d.headerSectionMax());
        assertEquals(100, d.headerCountMax());
        assertEquals(1L << 30, d.bodyMax());
        assertEquals(8192, d.trailerSectionMax());
    }
}
