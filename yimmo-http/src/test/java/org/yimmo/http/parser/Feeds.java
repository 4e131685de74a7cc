package org.yimmo.http.parser;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Drives the parser and the decoder the way a session does: each feed is appended to a buffer
 * that is compacted first, so an unfinished head moves to index 0 between calls, as it will in
 * production. Outcomes are rendered as Strings so that any two ways of feeding can be compared.
 */
final class Feeds {

    private Feeds() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Cuts {@code input} at {@code cuts} (ascending offsets). */
    static byte[][] split(byte[] input, int... cuts) {
        byte[][] parts = new byte[cuts.length + 1][];
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : input.length;
            parts[k] = java.util.Arrays.copyOfRange(input, from, to);
            from = to;
        }
        return parts;
    }

    static byte[][] bytewise(byte[] input) {
        byte[][] parts = new byte[input.length][];
        for (int k = 0; k < input.length; k++) {
            parts[k] = new byte[] {input[k]};
        }
        return parts;
    }

    static ByteBuffer buffer(int capacity, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        return b.flip();
    }

    /** Appends {@code part} after the unconsumed bytes, compacting first. */
    static void append(ByteBuffer buffer, byte[] part) {
        buffer.compact();
        buffer.put(part);
        buffer.flip();
    }

    /**
     * Parses one head from the parts. "E&lt;status&gt;" on error, "INCOMPLETE" when the parts run
     * out, else the head and how many input bytes it consumed ("@n").
     */
    static String head(byte[][] parts, HttpLimits limits, boolean direct) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        ByteBuffer buffer = buffer(total + 16, direct);
        RequestHeadParser parser = new RequestHeadParser(limits);
        int fed = 0;
        for (byte[] part : parts) {
            append(buffer, part);
            fed += part.length;
            int before = parser.scanned();
            int r = parser.parse(buffer);
            if (r == RequestHeadParser.ERROR) {
                return "E" + parser.errorStatus();
            }
            if (r == RequestHeadParser.COMPLETE) {
                return describe(parser.head()) + " @" + (fed - buffer.remaining());
            }
            if (parser.scanned() != buffer.remaining() && buffer.remaining() > 0
                    && !(parser.scanned() == 0 && buffer.remaining() == 1 && buffer.get(buffer.position()) == '\r')) {
                throw new AssertionError("INCOMPLETE without examining every byte: scanned "
                        + parser.scanned() + " of " + buffer.remaining() + " (was " + before + ")");
            }
        }
        return "INCOMPLETE";
    }

    static String describe(RequestHead h) {
        StringBuilder sb = new StringBuilder();
        sb.append(h.methodName()).append(' ').append(h.target()).append(" HTTP/1.").append(h.version() - 10);
        sb.append(" [");
        for (int i = 0; i < h.headerCount(); i++) {
            if (i > 0) {
                sb.append('|');
            }
            sb.append(h.name(i)).append('=').append(h.value(i));
        }
        sb.append("]");
        if (h.contentLength() >= 0) {
            sb.append(" cl=").append(h.contentLength());
        }
        if (h.chunked()) {
            sb.append(" chunked");
        }
        sb.append(h.keepAlive() ? " keep" : " close");
        if (h.expectContinue()) {
            sb.append(" 100");
        }
        if (h.method() != HttpMethod.OTHER) {
            // The enum must agree with the bytes.
            if (!h.method().name().equals(h.methodName())) {
                throw new AssertionError(h.method() + " vs " + h.methodName());
            }
        }
        return sb.toString();
    }

    /**
     * Decodes one chunked body from the parts: the data as a String, then "|DONE@n" (input bytes
     * consumed), "|E&lt;status&gt;" or "|INCOMPLETE".
     */
    static String chunked(byte[][] parts, HttpLimits limits, boolean direct) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        ByteBuffer buffer = buffer(total + 16, direct);
        ChunkedDecoder decoder = new ChunkedDecoder(limits);
        StringBuilder data = new StringBuilder();
        int fed = 0;
        for (byte[] part : parts) {
            append(buffer, part);
            fed += part.length;
            for (;;) {
                int r = decoder.decode(buffer);
                if (r == ChunkedDecoder.DATA) {
                    if (decoder.dataEnd() <= decoder.dataStart() || decoder.dataEnd() != buffer.position()) {
                        throw new AssertionError("bad data range");
                    }
                    for (int k = decoder.dataStart(); k < decoder.dataEnd(); k++) {
                        data.append((char) (buffer.get(k) & 0xff));
                    }
                    continue;
                }
                if (r == ChunkedDecoder.ERROR) {
                    return data + "|E" + decoder.errorStatus();
                }
                if (r == ChunkedDecoder.DONE) {
                    return data + "|DONE@" + (fed - buffer.remaining());
                }
                if (buffer.hasRemaining()) {
                    throw new AssertionError("INCOMPLETE with bytes left");
                }
                break;
            }
        }
        return data + "|INCOMPLETE";
    }
}
