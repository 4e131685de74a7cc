package org.yimmo.bench.load;

import java.nio.ByteBuffer;

/**
 * An incremental HTTP/1.1 response parser that reads just enough to find where each response
 * ends: the status line, Content-Length, chunked transfer coding, {@code Connection: close},
 * bodies up to the end of stream, and the responses that have no body (1xx, 204, 304, HEAD).
 * Header lines pass through one fixed buffer; nothing is allocated while parsing, except the
 * exception for a malformed response.
 *
 * <p>Not thread safe: one connection's reactor thread.
 */
final class ResponseParser {

    /** A response the parser cannot frame; the connection is dropped. */
    static final class MalformedResponse extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedResponse(String message) {
            super(message, null, false, false);
        }
    }

    private static final int STATUS = 0;
    private static final int HEADERS = 1;
    private static final int BODY = 2;
    private static final int CHUNK_SIZE = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_END = 5;
    private static final int TRAILERS = 6;
    private static final int UNTIL_CLOSE = 7;

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes();
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes();
    private static final byte[] CONNECTION = "connection".getBytes();
    private static final byte[] CHUNKED = "chunked".getBytes();
    private static final byte[] CLOSE = "close".getBytes();
    private static final byte[] KEEP_ALIVE = "keep-alive".getBytes();

    private final byte[] line = new byte[16 * 1024];
    private int lineLength;
    private int state = STATUS;
    private int status;
    private long remaining;
    private long contentLength;
    private boolean chunked;
    private boolean close;
    private boolean keepAlive;
    private boolean http10;
    private boolean noBody;

    /** Starts on the next response; {@code head} if it answers a HEAD request (no body). */
    void reset(boolean head) {
        state = STATUS;
        lineLength = 0;
        noBody = head;
    }

    /**
     * Consumes bytes of {@code in} up to the end of the current response.
     *
     * @return true when the response is complete (the rest of {@code in} is the next one's)
     */
    boolean parse(ByteBuffer in) throws MalformedResponse {
        while (in.hasRemaining()) {
            switch (state) {
                case BODY, CHUNK_DATA, UNTIL_CLOSE -> {
                    int n = state == UNTIL_CLOSE ? in.remaining() : (int) Math.min(remaining, in.remaining());
                    in.position(in.position() + n);
                    remaining -= n;
                    if (state == BODY && remaining == 0) {
                        return true;
                    }
                    if (state == CHUNK_DATA && remaining == 0) {
                        state = CHUNK_END;
                    }
                }
                default -> {
                    if (readLine(in) && onLine()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The peer ended the stream: true if that completes a response read until close. */
    boolean endOfStream() {
        return state == UNTIL_CLOSE;
    }

    /** True if no byte of the current response has been seen yet. */
    boolean idle() {
        return state == STATUS && lineLength == 0;
    }

    /** The status code of the response just completed. */
    int status() {
        return status;
    }

    /** True if the server will close the connection after the response just completed. */
    boolean closeAfter() {
        return close || (http10 && !keepAlive) || state == UNTIL_CLOSE;
    }

    private boolean readLine(ByteBuffer in) throws MalformedResponse {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                if (lineLength > 0 && line[lineLength - 1] == '\r') {
                    lineLength--;
                }
                return true;
            }
            if (lineLength == line.length) {
                throw new MalformedResponse("a header line longer than " + line.length + " bytes");
            }
            line[lineLength++] = b;
        }
        return false;
    }

    /** Handles the complete line in {@link #line}; true if it ends the response. */
    private boolean onLine() throws MalformedResponse {
        int length = lineLength;
        lineLength = 0;
        switch (state) {
            case STATUS -> {
                // HTTP/1.1 200 OK
                if (length < 12 || line[0] != 'H' || line[4] != '/' || line[8] != ' ') {
                    throw new MalformedResponse("not an HTTP status line");
                }
                status = digit(9) * 100 + digit(10) * 10 + digit(11);
                http10 = line[7] == '0';
                contentLength = -1;
                chunked = false;
                close = false;
                keepAlive = false;
                state = HEADERS;
            }
            case HEADERS -> {
                if (length == 0) {
                    return endOfHead();
                }
                header(length);
            }
            case CHUNK_SIZE -> {
                remaining = chunkSize(length);
                state = remaining == 0 ? TRAILERS : CHUNK_DATA;
            }
            case CHUNK_END -> {
                if (length != 0) {
                    throw new MalformedResponse("chunk data longer than its size");
                }
                state = CHUNK_SIZE;
            }
            default -> { // TRAILERS
                return length == 0;
            }
        }
        return false;
    }

    private int digit(int at) throws MalformedResponse {
        int d = line[at] - '0';
        if (d < 0 || d > 9) {
            throw new MalformedResponse("a status code that is not three digits");
        }
        return d;
    }

    private boolean endOfHead() {
        if (status >= 100 && status < 200) {
            state = STATUS; // 100 Continue and friends: the real response follows
            return false;
        }
        if (noBody || status == 204 || status == 304) {
            return true;
        }
        if (chunked) {
            state = CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            state = BODY;
            return remaining == 0;
        } else {
            state = UNTIL_CLOSE;
        }
        return false;
    }

    private void header(int length) throws MalformedResponse {
        int colon = 0;
        while (colon < length && line[colon] != ':') {
            colon++;
        }
        if (colon == length) {
            throw new MalformedResponse("a header line without a colon");
        }
        int value = colon + 1;
        while (value < length && (line[value] == ' ' || line[value] == '\t')) {
            value++;
        }
        if (nameIs(CONTENT_LENGTH, colon)) {
            long n = 0;
            int end = trimEnd(value, length);
            if (value == end) {
                throw new MalformedResponse("an empty Content-Length");
            }
            for (int i = value; i < end; i++) {
                int d = line[i] - '0';
                if (d < 0 || d > 9 || n > Long.MAX_VALUE / 10) {
                    throw new MalformedResponse("a Content-Length that is not a number");
                }
                n = n * 10 + d;
            }
            contentLength = n;
        } else if (nameIs(TRANSFER_ENCODING, colon)) {
            chunked = contains(value, length, CHUNKED);
        } else if (nameIs(CONNECTION, colon)) {
            close |= contains(value, length, CLOSE);
            keepAlive |= contains(value, length, KEEP_ALIVE);
        }
    }

    private long chunkSize(int length) throws MalformedResponse {
        long n = 0;
        int digits = 0;
        for (int i = 0; i < length && line[i] != ';' && line[i] != ' ' && line[i] != '\t'; i++) {
            int d = Character.digit(line[i], 16);
            if (d < 0 || digits++ == 15) {
                throw new MalformedResponse("a chunk size that is not a hexadecimal number");
            }
            n = n * 16 + d;
        }
        if (digits == 0) {
            throw new MalformedResponse("a chunk without a size");
        }
        return n;
    }

    private int trimEnd(int from, int end) {
        while (end > from && (line[end - 1] == ' ' || line[end - 1] == '\t')) {
            end--;
        }
        return end;
    }

    private boolean nameIs(byte[] lowerName, int length) {
        if (length != lowerName.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if ((line[i] | 0x20) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean contains(int from, int end, byte[] lowerWord) {
        outer:
        for (int i = from; i + lowerWord.length <= end; i++) {
            for (int j = 0; j < lowerWord.length; j++) {
                if ((line[i + j] | 0x20) != lowerWord[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
