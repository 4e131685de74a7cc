package org.yimmo.http.parser;

import static org.yimmo.http.parser.HttpBytes.CR;
import static org.yimmo.http.parser.HttpBytes.LF;
import static org.yimmo.http.parser.HttpBytes.SP;
import static org.yimmo.http.parser.HttpBytes.TARGET_PLAIN;
import static org.yimmo.http.parser.HttpBytes.TCHAR;
import static org.yimmo.http.parser.HttpBytes.isOws;
import static org.yimmo.http.parser.HttpBytes.scan;
import static org.yimmo.http.parser.HttpBytes.scanValue;
import static org.yimmo.http.parser.HttpBytes.word;
import static org.yimmo.http.parser.HttpBytes.wordOf;

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
    /** The request-target scanned so far holds a '%'. */
    private boolean targetPercent;
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
        targetPercent = false;
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
                    if (i == base) {
                        int next = fastRequestLine(buffer, base, stop);
                        if (next >= 0) {
                            i = next;
                            state = S_FIELD_START;
                            break;
                        }
                    }
                    i = scan(buffer, i, stop, TCHAR);
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
                    targetPercent = false;
                    state = S_TARGET;
                    break;
                }
                case S_TARGET: {
                    int stop = Math.min(end, lineCap);
                    for (;;) {
                        i = scan(buffer, i, stop, TARGET_PLAIN);
                        if (i == stop || buffer.get(i) != '%') {
                            break;
                        }
                        targetPercent = true;
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
                    String bad = TargetForm.check(buffer, base + h.targetStart, i, h.method, targetPercent);
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
                    i = fastFields(buffer, base, i, Math.min(end, sectionCap(base)));
                    if (i < 0) {
                        return ERROR;
                    }
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
                    i = scan(buffer, i, stop, TCHAR);
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
                    i = scanValue(buffer, i, stop);
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

    private static final long GET_ = wordOf("GET ");
    private static final long POST_ = wordOf("POST ");
    private static final long HTTP_1_1 = wordOf("HTTP/1.1");
    private static final long HTTP_1_0 = wordOf("HTTP/1.0");

    /**
     * The common case of a whole, plain request line in {@code [base, stop)}: a tchar method,
     * a target, exactly "HTTP/1.1" or "HTTP/1.0", CRLF. Returns the index just past the CRLF with
     * the line recorded, or -1 when anything is otherwise (malformed, unusual, or not all here),
     * in which case nothing it did counts and the byte-by-byte states parse the line from its
     * start and give the verdict. It only accepts what they accept.
     */
    private int fastRequestLine(ByteBuffer buffer, int base, int stop) {
        final RequestHead h = head;
        int me = scan(buffer, base, stop, TCHAR);
        if (me == base || me >= stop || buffer.get(me) != SP) {
            return -1;
        }
        int ts = me + 1;
        int te = ts;
        boolean percent = false;
        for (;;) {
            te = scan(buffer, te, stop, TARGET_PLAIN);
            if (te == stop || buffer.get(te) != '%') {
                break;
            }
            percent = true;
            te++;
        }
        int vs = te + 1;
        if (te == ts || vs + 10 > stop || buffer.get(te) != SP) {
            return -1;
        }
        long v = word(buffer, vs);
        int version = v == HTTP_1_1 ? 11 : v == HTTP_1_0 ? 10 : 0;
        if (version == 0 || buffer.get(vs + 8) != CR || buffer.get(vs + 9) != LF) {
            return -1;
        }
        HttpMethod method;
        long m = word(buffer, base); // base + 8 <= stop: the version alone is 10 bytes
        if ((m & 0xffffffffL) == GET_) {
            method = HttpMethod.GET;
        } else if ((m & 0xffffffffffL) == POST_) {
            method = HttpMethod.POST;
        } else {
            method = method(buffer, base, me);
        }
        if (TargetForm.check(buffer, ts, te, method, percent) != null) {
            return -1;
        }
        h.methodEnd = me - base;
        h.method = method;
        h.targetStart = ts - base;
        h.targetEnd = te - base;
        h.version = version;
        versionStart = vs - base;
        fieldsStart = vs + 10 - base;
        return vs + 10;
    }

    /**
     * The common case of whole, plain field lines from {@code i} (a line start) within {@code
     * [i, stop)}: name, colon, optional whitespace, value, CRLF. Records and recognizes each such
     * line and returns the start of the first line it leaves (the final CRLF, a line not all
     * here, or anything unusual or wrong), which the byte-by-byte states then parse from its
     * start; -1 after failing for a field the recognizer refuses. Accepts only what they accept,
     * and looks at a left line's bytes at most once more than they do, so parsing stays linear.
     */
    private int fastFields(ByteBuffer buffer, int base, int i, int stop) {
        final RequestHead h = head;
        final int max = h.nameStarts.length;
        for (;;) {
            int n = h.count;
            if (i >= stop || n == max || !TCHAR[buffer.get(i) & 0xff]) {
                return i;
            }
            int ne = scan(buffer, i + 1, stop, TCHAR);
            int vs;
            if (ne + 8 <= stop) {
                // The colon and the usual single SP after it from one read.
                long w = word(buffer, ne);
                if ((w & 0xff) != ':') {
                    return i;
                }
                vs = (w & 0xff00) == SP << 8 ? ne + 2 : ne + 1;
                if (isOws((byte) (w >>> ((vs - ne) << 3)))) {
                    vs++;
                    while (vs < stop && isOws(buffer.get(vs))) {
                        vs++;
                    }
                }
            } else {
                if (ne == stop || buffer.get(ne) != ':') {
                    return i;
                }
                vs = ne + 1;
                while (vs < stop && isOws(buffer.get(vs))) {
                    vs++;
                }
            }
            int cr = scanValue(buffer, vs, stop);
            if (cr + 1 >= stop || buffer.get(cr) != CR || buffer.get(cr + 1) != LF) {
                return i;
            }
            int ve = cr;
            while (ve > vs && isOws(buffer.get(ve - 1))) {
                ve--;
            }
            h.nameStarts[n] = i - base;
            h.nameEnds[n] = ne - base;
            h.valueStarts[n] = vs - base;
            h.valueEnds[n] = ve - base;
            int len = ne - i;
            if (len < 32 && FieldRecognizer.FIRST_BY_LENGTH[len] == (buffer.get(i) | 0x20)) {
                String bad = recognizer.field(buffer, i, ne, vs, ve);
                if (bad != null) {
                    fail(400, bad);
                    return -1;
                }
            }
            h.count = n + 1;
            i = cr + 2;
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
