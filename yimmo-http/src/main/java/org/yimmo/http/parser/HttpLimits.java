package org.yimmo.http.parser;

/**
 * Size limits of one request, each with the status a request past it gets. Immutable and shared
 * by every connection of a server.
 *
 * <p>Definitions, so that "exactly at the limit" is unambiguous:
 *
 * <ul>
 *   <li>{@code requestLineMax}: bytes of the request line without its CRLF (414 past it).
 *   <li>{@code headerSectionMax}: bytes after the request line's CRLF up to and including the
 *       CRLF of the empty line that ends the head (431 past it).
 *   <li>{@code headerCountMax}: field lines in the head (431 past it).
 *   <li>{@code bodyMax}: body bytes, checked against Content-Length before any body byte is read
 *       and against the running total of chunk sizes before each chunk's data (413 past it).
 *   <li>{@code trailerSectionMax}: bytes of a chunked body's trailer section after the last
 *       chunk's size line, including the final CRLF (431 past it); its field lines also count
 *       against {@code headerCountMax}.
 * </ul>
 */
public record HttpLimits(
        int requestLineMax,
        int headerSectionMax,
        int headerCountMax,
        long bodyMax,
        int trailerSectionMax) {

    public static final int DEFAULT_REQUEST_LINE_MAX = 8 * 1024;
    public static final int DEFAULT_HEADER_SECTION_MAX = 64 * 1024;
    public static final int DEFAULT_HEADER_COUNT_MAX = 100;
    public static final long DEFAULT_BODY_MAX = 1L << 30;
    public static final int DEFAULT_TRAILER_SECTION_MAX = 8 * 1024;

    private static final HttpLimits DEFAULTS = new HttpLimits(
            DEFAULT_REQUEST_LINE_MAX,
            DEFAULT_HEADER_SECTION_MAX,
            DEFAULT_HEADER_COUNT_MAX,
            DEFAULT_BODY_MAX,
            DEFAULT_TRAILER_SECTION_MAX);

    public HttpLimits {
        // The smallest useful request line is "GET / HTTP/1.1" (14 bytes); the smallest header
        // section is its final CRLF. Anything smaller could never accept a request.
        if (requestLineMax < 14) {
            throw new IllegalArgumentException("requestLineMax must be at least 14: " + requestLineMax);
        }
        if (headerSectionMax < 2) {
            throw new IllegalArgumentException("headerSectionMax must be at least 2: " + headerSectionMax);
        }
        if (headerCountMax < 1) {
            throw new IllegalArgumentException("headerCountMax must be positive: " + headerCountMax);
        }
        if (bodyMax < 0) {
            throw new IllegalArgumentException("bodyMax must not be negative: " + bodyMax);
        }
        if (trailerSectionMax < 2) {
            throw new IllegalArgumentException("trailerSectionMax must be at least 2: " + trailerSectionMax);
        }
        // Offsets are ints relative to the head's first byte; keep the head addressable.
        if ((long) requestLineMax + headerSectionMax + 2 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("requestLineMax + headerSectionMax too large");
        }
    }

    public static HttpLimits defaults() {
        return DEFAULTS;
    }

    /** The largest head these limits accept: request line, its CRLF and the header section. */
    public int headMax() {
        return requestLineMax + 2 + headerSectionMax;
    }
}
