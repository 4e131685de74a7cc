package org.yimmo.http.parser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.yimmo.http.parser.Feeds.bytes;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class RequestHeadParserTest {

    private static final HttpLimits LIMITS = HttpLimits.defaults();

    /** Every corpus entry: whole, at every two-way split, and byte by byte, heap and direct. */
    @TestFactory
    Stream<DynamicTest> shouldGiveTheSameOutcomeHoweverTheCorpusIsSplit() {
        return RequestCorpus.ENTRIES.stream().map(e -> DynamicTest.dynamicTest(e.name(), () -> {
            byte[] input = bytes(e.request());
            assertEquals(e.expected(), Feeds.head(new byte[][] {input}, LIMITS, false), "whole");
            assertEquals(e.expected(), Feeds.head(new byte[][] {input}, LIMITS, true), "whole, direct");
            for (int cut = 1; cut < input.length; cut++) {
                assertEquals(e.expected(), Feeds.head(Feeds.split(input, cut), LIMITS, cut % 2 == 0),
                        "split at " + cut);
            }
            assertEquals(e.expected(), Feeds.head(Feeds.bytewise(input), LIMITS, false), "bytewise");
            assertEquals(e.expected(), Feeds.head(Feeds.bytewise(input), LIMITS, true), "bytewise, direct");
        }));
    }

    /** Long values go through the eight-bytes-at-a-time scan: a bad byte anywhere must stop it. */
    @Test
    void shouldFindAControlByteAtAnyPlaceInALongValue() {
        String value = "abcdefghijklmnopqrstuvwxyz0123456789";
        for (char bad : new char[] {'\0', '\u0001', '\n', '\u001f', '\u007f'}) {
            for (int at = 0; at < value.length(); at++) {
                String request = "GET / HTTP/1.1\r\nHost: h\r\nX: " + value.substring(0, at) + bad
                        + value.substring(at) + "\r\n\r\n";
                assertEquals("E400", Feeds.head(new byte[][] {bytes(request)}, LIMITS, true), at + " " + (int) bad);
            }
        }
        String tabs = "GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\u00ffcdefghijkl\tmnopqrstuv\u0080 \t\r\n\r\n";
        assertEquals("GET / HTTP/1.1 [Host=h|X=a\tb\u00ffcdefghijkl\tmnopqrstuv\u0080] keep @" + tabs.length(),
                Feeds.head(new byte[][] {bytes(tabs)}, LIMITS, true));
    }

    @Test
    void shouldParsePipelinedRequestsOneAfterAnother() {
        String first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n";
        String second = "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
        String third = "GET /3 HTTP/1.0\r\n\r\n";
        ByteBuffer buffer = ByteBuffer.wrap(bytes(first + second + third));
        RequestHeadParser parser = new RequestHeadParser(LIMITS);

        assertEquals(RequestHeadParser.COMPLETE, parser.parse(buffer));
        assertEquals("/1", parser.head().target());
        assertEquals(first.length(), buffer.position());

        parser.reset();
        assertEquals(RequestHeadParser.COMPLETE, parser.parse(buffer));
        assertEquals("/2", parser.head().target());
        assertEquals(3, parser.head().contentLength());
        assertEquals(first.length() + second.length() - 3, buffer.position());
        buffer.position(buffer.position() + 3); // the session consumes the body

        parser.reset();
        assertEquals(RequestHeadParser.COMPLETE, parser.parse(buffer));
        assertEquals("/3", parser.head().target());
        assertFalse(buffer.hasRemaining());

        parser.reset();
        assertEquals(RequestHeadParser.INCOMPLETE, parser.parse(buffer));
    }

    @Test
    void shouldKeepOffsetsAcrossCompactionOfAnUnfinishedHead() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64).flip();
        RequestHeadParser parser = new RequestHeadParser(LIMITS);
        Feeds.append(buffer, bytes("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHo"));
        assertEquals(RequestHeadParser.COMPLETE, parser.parse(buffer));
        parser.reset();
        assertEquals(RequestHeadParser.INCOMPLETE, parser.parse(buffer));
        Feeds.append(buffer, bytes("st: x\r\nA: b\r\n\r\n")); // compacts: the head moves to 0
        assertEquals(RequestHeadParser.COMPLETE, parser.parse(buffer));
        RequestHead head = parser.head();
        assertEquals(0, head.base());
        assertEquals("/two", head.target());
        assertEquals("x", head.value(0));
        assertEquals("b", head.value(1));
    }

    @Test
    void shouldCompareNamesIgnoringCaseWithoutStrings() {
        ByteBuffer buffer = ByteBuffer.wrap(bytes(
                "GET /p?q HTTP/1.1\r\nHOST: h\r\nX-Forwarded-For: 1.2.3.4\r\nx-forwarded-for: 5\r\n\r\n"));
        RequestHeadParser parser = new RequestHeadParser(LIMITS);
        assertEquals(RequestHeadParser.COMPLETE, parser.parse(buffer));
        RequestHead head = parser.head();
        assertSame(buffer, head.buffer());
        assertSame(HttpMethod.GET, head.method());
        assertEquals(11, head.version());
        assertTrue(head.nameEquals(0, bytes("host")));
        assertFalse(head.nameEquals(0, bytes("hos")));
        assertEquals(1, head.indexOf(bytes("x-forwarded-for")));
        assertEquals(-1, head.indexOf(bytes("cookie")));
        assertEquals("X-Forwarded-For", head.name(1));
        assertEquals("1.2.3.4", head.value(1));
        assertEquals("GET", head.methodName());
        assertEquals("/p?q", head.target());
        assertEquals(3, head.headerCount());
        assertTrue(head.hasHost());
        assertFalse(head.hasBody());
        assertEquals(head.base() + head.length(), buffer.position());
        assertThrows(IndexOutOfBoundsException.class, () -> head.value(3));
    }

    /** The framing fields are recognized in any letter case; same-length names that differ are not. */
    @Test
    void shouldRecognizeFramingFieldsInAnyCaseAndNothingElse() {
        for (boolean direct : new boolean[] {false, true}) {
            for (String host : new String[] {"host", "HOST", "hOsT"}) {
                RequestHeadParser p = parse("GET / HTTP/1.1\r\n" + host + ": a\r\nHost: b\r\n\r\n", direct);
                assertEquals(400, p.errorStatus(), host);
                assertEquals("more than one Host", p.errorReason(), host);
            }
            for (String name : new String[] {"content-length", "CONTENT-LENGTH", "cONTENT-lENGTH"}) {
                RequestHeadParser p = parse("POST / HTTP/1.1\r\nHost: h\r\n" + name + ": 5\r\n\r\n", direct);
                assertEquals(0, p.errorStatus(), name);
                assertEquals(5, p.head().contentLength(), name);
            }
            for (String name : new String[] {"transfer-encoding", "TRANSFER-ENCODING", "tRANSFER-eNCODING"}) {
                RequestHeadParser p = parse("POST / HTTP/1.1\r\nHost: h\r\n" + name + ": chunked\r\n\r\n", direct);
                assertTrue(p.head().chunked(), name);
            }
            for (String name : new String[] {"expect", "EXPECT", "eXPECT"}) {
                RequestHeadParser p = parse("POST / HTTP/1.1\r\nHost: h\r\n" + name + ": 100-continue\r\n\r\n", direct);
                assertTrue(p.head().expectContinue(), name);
            }
            for (String name : new String[] {"connection", "CONNECTION", "cONNECTION"}) {
                RequestHeadParser p = parse("GET / HTTP/1.1\r\nHost: h\r\n" + name + ": close\r\n\r\n", direct);
                assertTrue(p.head().connectionClose(), name);
            }
            RequestHeadParser p = parse("POST / HTTP/1.1\r\nHost: h\r\nGost: a\r\nHosu: b\r\nXontent-Length: x\r\n"
                    + "Content-Lengtx: y\r\nTransfer-Encodinx: gzip\r\nXransfer-Encoding: gzip\r\nExpecx: z\r\n"
                    + "Xxpect: z\r\nXonnection: close\r\nConnectiox: close\r\nhost2: c\r\n\r\n", direct);
            assertEquals(0, p.errorStatus());
            assertEquals(12, p.head().headerCount());
            assertFalse(p.head().chunked());
            assertFalse(p.head().expectContinue());
            assertFalse(p.head().connectionClose());
            assertFalse(p.head().hasBody());
        }
    }

    /** Leading and trailing OWS of every shape around values long and short, empty ones too. */
    @Test
    void shouldStripOwsAroundValuesOfEveryShape() {
        String[] ows = {"", " ", "\t", "  ", " \t", "\t ", " \t \t", "\t\t\t\t\t\t\t\t\t"};
        for (boolean direct : new boolean[] {false, true}) {
            for (String value : new String[] {"", "v", "a b", "0123456789abcdef\tx"}) {
                for (String lead : ows) {
                    for (String trail : ows) {
                        String request = "GET / HTTP/1.1\r\nHost: h\r\nX:" + lead + value + trail
                                + "\r\nY:" + trail + value + lead + "\r\n\r\n";
                        RequestHeadParser p = parse(request, direct);
                        String where = "[" + lead + "|" + value + "|" + trail + "]";
                        assertEquals(0, p.errorStatus(), where);
                        assertEquals(3, p.head().headerCount(), where);
                        assertEquals(value, p.head().value(1), where);
                        assertEquals(value, p.head().value(2), where);
                    }
                }
            }
        }
    }

    private static RequestHeadParser parse(String request, boolean direct) {
        byte[] bytes = bytes(request);
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        buffer.put(bytes).flip();
        RequestHeadParser parser = new RequestHeadParser(LIMITS);
        parser.parse(buffer);
        return parser;
    }

    @Test
    void shouldRecognizeMethodsCaseSensitively() {
        String[][] cases = {{"GET", "GET"}, {"get", "OTHER"}, {"PATCH", "PATCH"}, {"PUT", "PUT"},
            {"POST", "POST"}, {"POSTX", "OTHER"}, {"DELETE", "DELETE"}, {"TRACE", "TRACE"}, {"HEAD", "HEAD"}};
        for (String[] c : cases) {
            RequestHeadParser parser = new RequestHeadParser(LIMITS);
            assertEquals(RequestHeadParser.COMPLETE,
                    parser.parse(ByteBuffer.wrap(bytes(c[0] + " / HTTP/1.1\r\nHost: h\r\n\r\n"))), c[0]);
            assertEquals(c[1], parser.head().method().name(), c[0]);
        }
    }

    @Test
    void shouldStayInErrorAndRefuseParsingPastCompletion() {
        RequestHeadParser parser = new RequestHeadParser(LIMITS);
        assertEquals(RequestHeadParser.ERROR, parser.parse(ByteBuffer.wrap(bytes("GET / HTTP/3.0\r\n"))));
        assertEquals(505, parser.errorStatus());
        assertEquals("HTTP version not supported", parser.errorReason());
        assertEquals(RequestHeadParser.ERROR, parser.parse(ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\n"))));

        parser.reset();
        assertEquals(RequestHeadParser.COMPLETE, parser.parse(ByteBuffer.wrap(bytes("GET / HTTP/1.0\r\n\r\n"))));
        assertThrows(IllegalStateException.class, () -> parser.parse(ByteBuffer.wrap(bytes("GET"))));
    }
}
