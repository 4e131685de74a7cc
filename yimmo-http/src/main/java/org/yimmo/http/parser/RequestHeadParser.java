package org.yimmo.http.parser;

import static org.yimmo.http.parser.HttpBytes.CR;
import static org.yimmo.http.parser.HttpBytes.LF;
import static org.yimmo.http.parser.HttpBytes.SP;
import static org.yimmo.http.parser.HttpBytes.TARGET;
import static org.yimmo.http.parser.HttpBytes.TCHAR;
import static org.yimmo.http.parser.HttpBytes.VALUE;
import static org.yimmo.http.parser.HttpBytes.isOws;

import java.nio.ByteBuffer;

/**
 * Strict, incremental HTTP/1.1 request-head parser (RFC 9112 sections 2-5, RFC 9110 field
 * syntax). One per connection, reused for every request; no object is made per request.
 *
 * <p>Not thread safe: the connection's reactor thread only.
 *
 * <p><b>Buffer contract.</b> The buffer is in read mode: {@code [position, limit)} holds the bytes
 * not yet consumed. While the head is incomplete, {@link #parse} consumes only empty lines that
 * precede the request line; the head itself stays at {@code position}, and the parser remembers
 * how far past it it has looked, as an offset from the head's first byte. Between calls the
 * session may therefore move the unconsumed bytes (typically {@code compact()}, read, {@code
 * flip()}) as long as they stay contiguous and in order: the head starts wherever {@code
 * position} is on the next call, and scanning resumes where it stopped, so the total work is
 * linear in the head's size however the bytes arrive, and the outcome is the same for any split.
 * On {@link #COMPLETE} the position is just past the head's final CRLF (at the body, or at the
 * next pipelined request) and {@link #head()} describes the head in place.
 *
 * <p><b>Decisions</b> (each where RFC 9112 leaves a choice): lines end with CRLF only; a bare LF
 * or a bare CR is a 400 (section 2.2 allows accepting bare LF, but a front end that disagrees
 * about line ends is how requests are smuggled). Up to {@value #MAX_LEADING_EMPTY_LINES} empty
 * lines before the request line are ignored (section 2.2). A second Content-Length field line, or
 * a list in one, is a 400 even with equal values (section 6.3 allows either; nobody legitimate
 * sends them). Transfer-Encoding: a final coding other than chunked is a 400, because the body
 * length cannot be determined (section 6.3 point 4 says MUST 400); chunked twice is a 400; any
 * other coding before a final chunked is a 501 (RFC 9112 6.1: a coding we do not implement);
 * Transfer-Encoding with Content-Length, or in HTTP/1.0, is a 400 (sections 6.1 and 6.3).
 * An expectation other than 100-continue is a 417 (RFC 9110 10.1.1).
 */
public final class RequestHeadParser {

    /** The head is not complete; call again with more bytes. */
    public static final int INCOMPLETE = 0;
    /** The head is complete: see {@link #head()}. */
    public static final int COMPLETE = 1;
    /** The request is refused: see {@link #errorStatus()}; send it and close the connection. */
    public static final int ERROR = 2;

    static final int MAX_LEADING_EMPTY_LINES = 8;

    private static final int S_LEADING = 0;
    private static final int S_METHOD = 1;
    private static final int S_TARGET = 2;
    private static final int S_VERSION = 3;
    private static final int S_LINE_LF = 4;
    private static final int S_FIELD_START = 5;
    private static final int S_NAME = 6;
    private static final int S_VALUE_LEAD = 7;
    private static final int S_VALUE = 8;
    private static final int S_FIELD_LF = 9;
    private static final int S_END_LF = 10;
    private static final int S_DONE = 11;
    private static final int S_ERROR = 12;

    private final HttpLimits limits;
    private final RequestHead head;
    private final FieldRecognizer recognizer;

    private int state;
    /** Offset from the head's first byte of the next byte to look at. */
    private int scanned;
    private int versionStart;
    private int fieldsStart;
    private int leadingLines;
    private int errorStatus;
    private String errorReason;

    public RequestHeadParser(HttpLimits limits) {
        this.limits = limits;
        this.head = new RequestHead(limits.headerCountMax());
        this.recognizer = new FieldRecognizer(head);
        reset();
    }

    /** Forgets the previous request; call before parsing the next one. */
    public void reset() {
        state = S_LEADING;
        scanned = 0;
        versionStart = 0;
        fieldsStart = 0;
        leadingLines = 0;
        errorStatus = 0;
        errorReason = null;
        head.clear();
        recognizer.clear();
    }

    /** The head being filled; meaningful once {@link #parse} returned {@link #COMPLETE}. */
    public RequestHead head() {
        return head;
    }

    public HttpLimits limits() {
        return limits;
    }

    /** The status to answer after {@link #ERROR} (400, 413, 414, 417, 431, 501 or 505). */
    public int errorStatus() {
        return errorStatus;
    }

    /** A short, constant reason for the log after {@link #ERROR}. */
    public String errorReason() {
        return errorReason;
    }

    /**
     * Bytes of the unfinished head already examined, counted from {@code position}; the session
     * can tell from it how much of a full buffer is one head.
     */
    public int scanned() {
        return scanned;
    }

    /**
     * Parses what {@code buffer} holds from {@code position} to {@code limit}, continuing the head
     * where the previous call stopped.
     *
     * @return {@link #INCOMPLETE} (every byte examined), {@link #COMPLETE} or {@link #ERROR}
     */
    public int parse(ByteBuffer buffer) {
        if (state == S_ERROR) {
            return ERROR;
        }
        if (state == S_DONE) {
            throw new IllegalStateException("head already complete; reset() first");
        }
        final int end = buffer.limit();
        int base = buffer.position();
        if (state == S_LEADING) {
            while (base < end) {
                byte b = buffer.get(base);
                if (b != CR) {
                    if (b == LF) {
                        return fail(400, "bare LF");
                    }
                    break;
                }
                if (base + 1 == end) {
                    return INCOMPLETE;
                }
                if (buffer.get(base + 1) != LF) {
                    return fail(400, "bare CR");
                }
                if (++leadingLines > MAX_LEADING_EMPTY_LINES) {
                    return fail(400, "too many empty lines before the request line");
                }
                base += 2;
                buffer.position(base);
            }
            if (base == end) {
                return INCOMPLETE;
            }
            state = S_METHOD;
        }
        final RequestHead h = head;
        final int lineCap = cap(base, limits.requestLineMax());
        int i = base + scanned;
        for (;;) {
            switch (state) {
                case S_METHOD: {
                    int stop = Math.min(end, lineCap);
                    while (i < stop && TCHAR[buffer.get(i) & 0xff]) {
                        i++;
                    }
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == lineCap) {
                        return fail(414, "request line too long");
                    }
                    if (buffer.get(i) != SP || i == base) {
                        return fail(400, "invalid method");
                    }
                    h.methodEnd = i - base;
                    h.method = method(buffer, base, i);
                    h.targetStart = ++i - base;
                    state = S_TARGET;
                    break;
                }
                case S_TARGET: {
                    int stop = Math.min(end, lineCap);
                    while (i < stop && TARGET[buffer.get(i) & 0xff]) {
                        i++;
                    }
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == lineCap) {
                        return fail(414, "request line too long");
                    }
                    if (buffer.get(i) != SP || i == base + h.targetStart) {
                        return fail(400, "invalid request-target");
                    }
                    h.targetEnd = i - base;
                    String bad = TargetForm.check(buffer, base + h.targetStart, i, h.method);
                    if (bad != null) {
                        return fail(400, bad);
                    }
                    versionStart = ++i - base;
                    state = S_VERSION;
                    break;
                }
                case S_VERSION: {
                    // Exactly "HTTP/" DIGIT "." DIGIT; judged at the CR so that a well-formed
                    // unknown version (505) is told from a malformed one (400).
                    final int vs = base + versionStart;
                    for (;;) {
                        if (i == end) {
                            return suspend(i, base);
                        }
                        byte b = buffer.get(i);
                        if (b == CR) {
                            break;
                        }
                        if (i == lineCap) {
                            return fail(414, "request line too long");
                        }
                        if (i - vs == 8) {
                            return fail(400, "malformed HTTP version");
                        }
                        i++;
                    }
                    int version = version(buffer, vs, i);
                    if (version < 0) {
                        return fail(400, "malformed HTTP version");
                    }
                    if (version != 10 && version != 11) {
                        return fail(505, "HTTP version not supported");
                    }
                    h.version = version;
                    i++;
                    state = S_LINE_LF;
                    break;
                }
                case S_LINE_LF: {
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (buffer.get(i) != LF) {
                        return fail(400, "bare CR");
                    }
                    fieldsStart = ++i - base;
                    state = S_FIELD_START;
                    break;
                }
                case S_FIELD_START: {
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == sectionCap(base)) {
                        return fail(431, "header section too large");
                    }
                    byte b = buffer.get(i);
                    if (b == CR) {
                        i++;
                        state = S_END_LF;
                    } else if (TCHAR[b & 0xff]) {
                        if (h.count == h.nameStarts.length) {
                            return fail(431, "too many header fields");
                        }
                        h.nameStarts[h.count] = i - base;
                        i++;
                        state = S_NAME;
                    } else if (isOws(b)) {
                        // obs-fold, or whitespace after the start line (RFC 9112 2.2, 5.2).
                        return fail(400, "line folding or leading whitespace");
                    } else {
                        return fail(400, b == LF ? "bare LF" : "invalid field name");
                    }
                    break;
                }
                case S_NAME: {
                    final int sectionCap = sectionCap(base);
                    int stop = Math.min(end, sectionCap);
                    while (i < stop && TCHAR[buffer.get(i) & 0xff]) {
                        i++;
                    }
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == sectionCap) {
                        return fail(431, "header section too large");
                    }
                    byte b = buffer.get(i);
                    if (b != ':') {
                        return fail(400, isOws(b) ? "whitespace before colon" : "invalid field name");
                    }
                    h.nameEnds[h.count] = i - base;
                    i++;
                    state = S_VALUE_LEAD;
                    break;
                }
                case S_VALUE_LEAD: {
                    final int sectionCap = sectionCap(base);
                    int stop = Math.min(end, sectionCap);
                    while (i < stop && isOws(buffer.get(i))) {
                        i++;
                    }
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == sectionCap) {
                        return fail(431, "header section too large");
                    }
                    h.valueStarts[h.count] = i - base;
                    state = S_VALUE;
                    break;
                }
                case S_VALUE: {
                    final int sectionCap = sectionCap(base);
                    int stop = Math.min(end, sectionCap);
                    i = skipValueBytes(buffer, i, stop);
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == sectionCap) {
                        return fail(431, "header section too large");
                    }
                    byte b = buffer.get(i);
                    if (b != CR) {
                        return fail(400, b == LF ? "bare LF" : "control byte in field value");
                    }
                    // Trailing OWS is not part of the value (RFC 9110 5.5); it is at most the
                    // bytes just scanned, so this stays linear.
                    int valueEnd = i;
                    int valueStart = base + h.valueStarts[h.count];
                    while (valueEnd > valueStart && isOws(buffer.get(valueEnd - 1))) {
                        valueEnd--;
                    }
                    h.valueEnds[h.count] = valueEnd - base;
                    i++;
                    state = S_FIELD_LF;
                    break;
                }
                case S_FIELD_LF: {
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == sectionCap(base)) {
                        return fail(431, "header section too large");
                    }
                    if (buffer.get(i) != LF) {
                        return fail(400, "bare CR");
                    }
                    i++;
                    String bad = recognizer.field(buffer, base, h.count);
                    if (bad != null) {
                        return fail(400, bad);
                    }
                    h.count++;
                    state = S_FIELD_START;
                    break;
                }
                case S_END_LF: {
                    if (i == end) {
                        return suspend(i, base);
                    }
                    if (i == sectionCap(base)) {
                        return fail(431, "header section too large");
                    }
                    if (buffer.get(i) != LF) {
                        return fail(400, "bare CR");
                    }
                    i++;
                    int status = recognizer.finish(limits.bodyMax());
                    if (status != 0) {
                        return fail(status, recognizer.reason());
                    }
                    h.buffer = buffer;
                    h.base = base;
                    h.length = i - base;
                    scanned = i - base;
                    buffer.position(i);
                    state = S_DONE;
                    return COMPLETE;
                }
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
    }

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;
    private static final long DELS = 0x7f7f7f7f7f7f7f7fL;

    /**
     * Index of the first byte in {@code [i, stop)} that cannot be in a field value, or
     * {@code stop}. Values are most of a head's bytes, so eight at a time are checked for any
     * byte below 0x20 or equal to 0x7f (one long read costs about what one byte read does on a
     * direct buffer); a word holding one (a tab, or the CR) is finished byte by byte. The tests
     * only ask whether such a byte exists, so the buffer's byte order does not matter.
     */
    private static int skipValueBytes(ByteBuffer buffer, int i, int stop) {
        for (;;) {
            while (i + 8 <= stop) {
                long x = buffer.getLong(i);
                long y = x ^ DELS;
                long controls = (x - SPACES) & ~x & HIGHS;
                long dels = (y - ONES) & ~y & HIGHS;
                if ((controls | dels) != 0) {
                    break;
                }
                i += 8;
            }
            int wordEnd = Math.min(i + 8, stop);
            while (i < wordEnd && VALUE[buffer.get(i) & 0xff]) {
                i++;
            }
            if (i < wordEnd || i == stop) {
                return i;
            }
        }
    }

    private int suspend(int i, int base) {
        scanned = i - base;
        return INCOMPLETE;
    }

    private int fail(int status, String reason) {
        state = S_ERROR;
        errorStatus = status;
        errorReason = reason;
        return ERROR;
    }

    private int sectionCap(int base) {
        return cap(base + fieldsStart, limits.headerSectionMax());
    }

    private static int cap(int from, int max) {
        return (int) Math.min((long) from + max, Integer.MAX_VALUE);
    }

    /** 10, 11, another well-formed version as major * 10 + minor, or -1 when malformed. */
    private static int version(ByteBuffer buffer, int start, int end) {
        if (end - start != 8
                || buffer.get(start) != 'H' || buffer.get(start + 1) != 'T'
                || buffer.get(start + 2) != 'T' || buffer.get(start + 3) != 'P'
                || buffer.get(start + 4) != '/' || buffer.get(start + 6) != '.') {
            return -1;
        }
        int major = buffer.get(start + 5) - '0';
        int minor = buffer.get(start + 7) - '0';
        if (major < 0 || major > 9 || minor < 0 || minor > 9) {
            return -1;
        }
        return major * 10 + minor;
    }

    private static HttpMethod method(ByteBuffer buffer, int start, int end) {
        HttpMethod candidate;
        switch (buffer.get(start)) {
            case 'G': candidate = HttpMethod.GET; break;
            case 'H': candidate = HttpMethod.HEAD; break;
            case 'P':
                candidate = end - start == 4 ? HttpMethod.POST
                        : end - start == 3 ? HttpMethod.PUT : HttpMethod.PATCH;
                break;
            case 'D': candidate = HttpMethod.DELETE; break;
            case 'C': candidate = HttpMethod.CONNECT; break;
            case 'O': candidate = HttpMethod.OPTIONS; break;
            case 'T': candidate = HttpMethod.TRACE; break;
            default: return HttpMethod.OTHER;
        }
        return HttpBytes.equals(buffer, start, end, candidate.ascii) ? candidate : HttpMethod.OTHER;
    }
}
