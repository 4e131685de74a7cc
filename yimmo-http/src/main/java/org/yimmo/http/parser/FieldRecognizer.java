package org.yimmo.http.parser;

import static org.yimmo.http.parser.HttpBytes.equalsIgnoreCase;
import static org.yimmo.http.parser.HttpBytes.isOws;

import java.nio.ByteBuffer;

/**
 * Recognizes, as each field line completes, the fields that decide framing and connection reuse
 * (Host, Content-Length, Transfer-Encoding, Connection, Expect), so that nobody rescans the head.
 * Judgements that need the whole head (Transfer-Encoding's final coding, its clash with
 * Content-Length, a missing Host) wait for {@link #finish}.
 *
 * <p>Not thread safe: belongs to one {@link RequestHeadParser}.
 */
final class FieldRecognizer {

    private static final byte[] HOST = HttpBytes.ascii("host");
    private static final byte[] EXPECT = HttpBytes.ascii("expect");
    private static final byte[] CONNECTION = HttpBytes.ascii("connection");
    private static final byte[] CONTENT_LENGTH = HttpBytes.ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = HttpBytes.ascii("transfer-encoding");
    private static final byte[] CHUNKED = HttpBytes.ascii("chunked");
    private static final byte[] CLOSE = HttpBytes.ascii("close");
    private static final byte[] KEEP_ALIVE = HttpBytes.ascii("keep-alive");
    private static final byte[] CONTINUE = HttpBytes.ascii("100-continue");

    private static final int LIST_CONNECTION = 0;
    private static final int LIST_TRANSFER_ENCODING = 1;

    private final RequestHead head;

    private boolean contentLengthSeen;
    private boolean transferEncodingSeen;
    private boolean lastCodingChunked;
    private int chunkedCount;
    private boolean otherCoding;
    private boolean otherExpectation;
    private String reason;

    FieldRecognizer(RequestHead head) {
        this.head = head;
    }

    void clear() {
        contentLengthSeen = false;
        transferEncodingSeen = false;
        lastCodingChunked = false;
        chunkedCount = 0;
        otherCoding = false;
        otherExpectation = false;
        reason = null;
    }

    String reason() {
        return reason;
    }

    /** Looks at field {@code index} of the head starting at {@code base}; a reason for a 400, or null. */
    String field(ByteBuffer buffer, int base, int index) {
        final RequestHead h = head;
        return field(buffer, base + h.nameStarts[index], base + h.nameEnds[index],
                base + h.valueStarts[index], base + h.valueEnds[index]);
    }

    /**
     * For each name length, the lower-cased first byte of the field name of that length this
     * recognizes, or 0: a field whose name's first byte does not fold to it is none of them, so
     * calling {@link #field} for it may be skipped.
     */
    static final int[] FIRST_BY_LENGTH = new int[32];

    static {
        for (byte[] name : new byte[][] {HOST, EXPECT, CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING}) {
            FIRST_BY_LENGTH[name.length] = name[0];
        }
    }

    /**
     * As {@link #field(ByteBuffer, int, int)} for the name {@code [ns, ne)} and value {@code [vs,
     * ve)}. Deliberately one method of over 325 bytecodes (C2's FreqInlineSize), Content-Length
     * included: it stays a call, which measured faster than having it inlined into the parser's
     * field loop, where it is reached only for the few names that may match.
     */
    String field(ByteBuffer buffer, int ns, int ne, int vs, int ve) {
        final RequestHead h = head;
        switch (ne - ns) {
            case 4:
                if (equalsIgnoreCase(buffer, ns, ne, HOST)) {
                    if (h.host) {
                        return "more than one Host";
                    }
                    h.host = true;
                }
                return null;
            case 6:
                if (equalsIgnoreCase(buffer, ns, ne, EXPECT)) {
                    if (equalsIgnoreCase(buffer, vs, ve, CONTINUE)) {
                        h.expectContinue = true;
                    } else {
                        otherExpectation = true;
                    }
                }
                return null;
            case 10:
                if (equalsIgnoreCase(buffer, ns, ne, CONNECTION)) {
                    list(buffer, vs, ve, LIST_CONNECTION);
                }
                return null;
            case 14: {
                if (!equalsIgnoreCase(buffer, ns, ne, CONTENT_LENGTH)) {
                    return null;
                }
                if (contentLengthSeen) {
                    // Even an equal repeat: RFC 9112 6.3 allows refusing, and it is never needed.
                    return "repeated Content-Length";
                }
                contentLengthSeen = true;
                if (vs == ve) {
                    return "empty Content-Length";
                }
                long value = 0;
                for (int k = vs; k < ve; k++) {
                    int d = buffer.get(k) - '0';
                    if (d < 0 || d > 9) {
                        return "malformed Content-Length";
                    }
                    // Saturate rather than overflow: any value this large is past every body limit.
                    value = value > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : value * 10 + d;
                }
                h.contentLength = value;
                return null;
            }
            case 17:
                if (equalsIgnoreCase(buffer, ns, ne, TRANSFER_ENCODING)) {
                    transferEncodingSeen = true;
                    list(buffer, vs, ve, LIST_TRANSFER_ENCODING);
                }
                return null;
            default:
                return null;
        }
    }

    /** Walks a comma-separated list (RFC 9110 5.6.1), ignoring empty elements and OWS. */
    private void list(ByteBuffer buffer, int vs, int ve, int which) {
        int k = vs;
        while (k < ve) {
            byte b = buffer.get(k);
            if (b == ',' || isOws(b)) {
                k++;
                continue;
            }
            int es = k;
            while (k < ve && buffer.get(k) != ',') {
                k++;
            }
            int ee = k;
            while (isOws(buffer.get(ee - 1))) {
                ee--;
            }
            if (which == LIST_CONNECTION) {
                if (equalsIgnoreCase(buffer, es, ee, CLOSE)) {
                    head.connectionClose = true;
                } else if (equalsIgnoreCase(buffer, es, ee, KEEP_ALIVE)) {
                    head.connectionKeepAlive = true;
                }
            } else if (equalsIgnoreCase(buffer, es, ee, CHUNKED)) {
                chunkedCount++;
                lastCodingChunked = true;
            } else {
                otherCoding = true;
                lastCodingChunked = false;
            }
        }
    }

    /** Judges the whole head: 0 when acceptable, else the status, with {@link #reason()}. */
    int finish(long bodyMax) {
        final RequestHead h = head;
        if (h.version == 11 && !h.host) {
            return fail(400, "missing Host");
        }
        if (transferEncodingSeen) {
            if (h.version == 10) {
                return fail(400, "Transfer-Encoding in HTTP/1.0");
            }
            if (contentLengthSeen) {
                return fail(400, "Content-Length with Transfer-Encoding");
            }
            if (!lastCodingChunked) {
                return fail(400, "final transfer coding is not chunked");
            }
            if (chunkedCount > 1) {
                return fail(400, "chunked applied more than once");
            }
            if (otherCoding) {
                return fail(501, "transfer coding not implemented");
            }
            h.chunked = true;
        }
        if (h.contentLength > bodyMax) {
            return fail(413, "Content-Length over the body limit");
        }
        if (h.version == 10) {
            // RFC 9110 10.1.1: an HTTP/1.0 client cannot expect a 100; ignore Expect.
            h.expectContinue = false;
        } else if (otherExpectation) {
            return fail(417, "expectation not supported");
        }
        return 0;
    }

    private int fail(int status, String why) {
        reason = why;
        return status;
    }
}
