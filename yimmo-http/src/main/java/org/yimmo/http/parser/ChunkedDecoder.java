package org.yimmo.http.parser;

import static org.yimmo.http.parser.HttpBytes.CR;
import static org.yimmo.http.parser.HttpBytes.HEX;
import static org.yimmo.http.parser.HttpBytes.LF;
import static org.yimmo.http.parser.HttpBytes.TCHAR;
import static org.yimmo.http.parser.HttpBytes.VALUE;
import static org.yimmo.http.parser.HttpBytes.isOws;

import java.nio.ByteBuffer;

/**
 * Incremental decoder of a chunked request body (RFC 9112 7.1), yielding each chunk's data in
 * place. One per connection, {@link #reset()} per request; no object per call.
 *
 * <p>Not thread safe: the connection's reactor thread only.
 *
 * <p><b>Buffer contract.</b> Like {@link RequestHeadParser}, {@code [position, limit)} holds the
 * unconsumed bytes. Unlike the head, the decoder consumes everything it examines (framing is
 * never needed again), so the session may compact freely between calls. {@link #DATA} means
 * {@code buffer[dataStart(), dataEnd())} is body data, already stepped over: the position is at
 * {@code dataEnd()}; the caller uses the bytes before it next moves or overwrites them. A session
 * that wants less data at once lowers the buffer's limit for the call.
 *
 * <p><b>Strictness.</b> A chunk size is 1*HEXDIG (leading zeros allowed) below 2^60; whitespace
 * after it is accepted only before a ';' (chunk-ext's BWS). Extensions are skipped, their bytes
 * checked as field-value bytes, the whole size line bounded by {@value #MAX_SIZE_LINE} bytes.
 * Chunk data must be followed by CRLF. Trailer fields follow the head's field rules (token name,
 * colon with no whitespace before it, no obs-fold, no control bytes, CRLF only), are counted
 * against {@link HttpLimits#trailerSectionMax()} (431) and {@link HttpLimits#headerCountMax()}
 * (431), and are discarded. The sum of chunk sizes is checked against
 * {@link HttpLimits#bodyMax()} (413) before the chunk's data is read.
 */
public final class ChunkedDecoder {

    /** Every byte was consumed and more are needed. */
    public static final int INCOMPLETE = 0;
    /** {@code [dataStart(), dataEnd())} is body data (at least one byte). */
    public static final int DATA = 1;
    /** The last chunk and the trailer section are consumed; the position is past the body. */
    public static final int DONE = 2;
    /** The body is malformed or too large: see {@link #errorStatus()}; send it and close. */
    public static final int ERROR = 3;

    /** Bytes of a chunk-size line without its CRLF, extensions included. */
    static final int MAX_SIZE_LINE = 4096;

    private static final int S_SIZE_FIRST = 0;
    private static final int S_SIZE = 1;
    private static final int S_EXT_BWS = 2;
    private static final int S_EXT = 3;
    private static final int S_SIZE_LF = 4;
    private static final int S_DATA = 5;
    private static final int S_DATA_CR = 6;
    private static final int S_DATA_LF = 7;
    private static final int S_TRAILER_START = 8;
    private static final int S_TRAILER_NAME = 9;
    private static final int S_TRAILER_VALUE = 10;
    private static final int S_TRAILER_LF = 11;
    private static final int S_END_LF = 12;
    private static final int S_DONE = 13;
    private static final int S_ERROR = 14;

    private final HttpLimits limits;

    private int state;
    private long size;
    private long remaining;
    private long total;
    private int lineLength;
    private int trailerBytes;
    private int trailerCount;
    private int dataStart;
    private int dataEnd;
    private int errorStatus;
    private String errorReason;

    public ChunkedDecoder(HttpLimits limits) {
        this.limits = limits;
        reset();
    }

    /** Ready for the next chunked body. */
    public void reset() {
        state = S_SIZE_FIRST;
        size = 0;
        remaining = 0;
        total = 0;
        lineLength = 0;
        trailerBytes = 0;
        trailerCount = 0;
        dataStart = 0;
        dataEnd = 0;
        errorStatus = 0;
        errorReason = null;
    }

    public int dataStart() {
        return dataStart;
    }

    public int dataEnd() {
        return dataEnd;
    }

    /** Body bytes announced so far by chunk sizes. */
    public long bodyLength() {
        return total;
    }

    /** The status to answer after {@link #ERROR}: 400, 413 or 431. */
    public int errorStatus() {
        return errorStatus;
    }

    public String errorReason() {
        return errorReason;
    }

    /**
     * Decodes from {@code position} to {@code limit}: stops at the first data range, at the end of
     * the body, at an error, or when the bytes run out.
     *
     * @return {@link #INCOMPLETE}, {@link #DATA}, {@link #DONE} or {@link #ERROR}
     */
    public int decode(ByteBuffer buffer) {
        if (state == S_ERROR) {
            return ERROR;
        }
        if (state == S_DONE) {
            return DONE;
        }
        final int end = buffer.limit();
        int i = buffer.position();
        while (i < end) {
            if (state == S_DATA) {
                int n = (int) Math.min(remaining, end - i);
                dataStart = i;
                dataEnd = i + n;
                remaining -= n;
                if (remaining == 0) {
                    state = S_DATA_CR;
                }
                buffer.position(dataEnd);
                return DATA;
            }
            byte b = buffer.get(i++);
            int result = step(b);
            if (result != INCOMPLETE) {
                buffer.position(i);
                return result;
            }
        }
        buffer.position(i);
        return INCOMPLETE;
    }

    /** One framing byte; INCOMPLETE to go on. */
    private int step(byte b) {
        switch (state) {
            case S_SIZE_FIRST: {
                int h = HEX[b & 0xff];
                if (h < 0) {
                    return fail(400, "invalid chunk size");
                }
                size = h;
                lineLength = 1;
                state = S_SIZE;
                return INCOMPLETE;
            }
            case S_SIZE: {
                int h = HEX[b & 0xff];
                if (h >= 0) {
                    if (size >= 1L << 56) {
                        return fail(400, "chunk size overflow");
                    }
                    size = size << 4 | h;
                    return sizeLine();
                }
                if (b == ';') {
                    state = S_EXT;
                    return sizeLine();
                }
                if (isOws(b)) {
                    state = S_EXT_BWS;
                    return sizeLine();
                }
                if (b == CR) {
                    state = S_SIZE_LF;
                    return INCOMPLETE;
                }
                return fail(400, "invalid chunk size");
            }
            case S_EXT_BWS:
                if (b == ';') {
                    state = S_EXT;
                } else if (!isOws(b)) {
                    return fail(400, "invalid chunk extension");
                }
                return sizeLine();
            case S_EXT:
                if (b == CR) {
                    state = S_SIZE_LF;
                    return INCOMPLETE;
                }
                if (!VALUE[b & 0xff]) {
                    return fail(400, "invalid chunk extension");
                }
                return sizeLine();
            case S_SIZE_LF:
                if (b != LF) {
                    return fail(400, "bare CR in chunk size line");
                }
                if (size == 0) {
                    state = S_TRAILER_START;
                    return INCOMPLETE;
                }
                if (size > limits.bodyMax() - total) {
                    return fail(413, "chunked body over the body limit");
                }
                total += size;
                remaining = size;
                state = S_DATA;
                return INCOMPLETE;
            case S_DATA_CR:
                if (b != CR) {
                    return fail(400, "missing CRLF after chunk data");
                }
                state = S_DATA_LF;
                return INCOMPLETE;
            case S_DATA_LF:
                if (b != LF) {
                    return fail(400, "missing CRLF after chunk data");
                }
                state = S_SIZE_FIRST;
                return INCOMPLETE;
            default:
                return trailer(b);
        }
    }

    private int trailer(byte b) {
        if (trailerBytes == limits.trailerSectionMax()) {
            return fail(431, "trailer section too large");
        }
        trailerBytes++;
        switch (state) {
            case S_TRAILER_START:
                if (b == CR) {
                    state = S_END_LF;
                } else if (TCHAR[b & 0xff]) {
                    if (trailerCount == limits.headerCountMax()) {
                        return fail(431, "too many trailer fields");
                    }
                    trailerCount++;
                    state = S_TRAILER_NAME;
                } else if (isOws(b)) {
                    return fail(400, "line folding in trailer");
                } else {
                    return fail(400, b == LF ? "bare LF in trailer" : "invalid trailer field name");
                }
                return INCOMPLETE;
            case S_TRAILER_NAME:
                if (b == ':') {
                    state = S_TRAILER_VALUE;
                } else if (!TCHAR[b & 0xff]) {
                    return fail(400, isOws(b) ? "whitespace before colon in trailer" : "invalid trailer field name");
                }
                return INCOMPLETE;
            case S_TRAILER_VALUE:
                if (b == CR) {
                    state = S_TRAILER_LF;
                } else if (!VALUE[b & 0xff]) {
                    return fail(400, b == LF ? "bare LF in trailer" : "control byte in trailer value");
                }
                return INCOMPLETE;
            case S_TRAILER_LF:
                if (b != LF) {
                    return fail(400, "bare CR in trailer");
                }
                state = S_TRAILER_START;
                return INCOMPLETE;
            case S_END_LF:
                if (b != LF) {
                    return fail(400, "bare CR in trailer");
                }
                state = S_DONE;
                return DONE;
            default:
                throw new IllegalStateException("state " + state);
        }
    }

    private int sizeLine() {
        if (++lineLength > MAX_SIZE_LINE) {
            return fail(400, "chunk size line too long");
        }
        return INCOMPLETE;
    }

    private int fail(int status, String reason) {
        state = S_ERROR;
        errorStatus = status;
        errorReason = reason;
        return ERROR;
    }
}
