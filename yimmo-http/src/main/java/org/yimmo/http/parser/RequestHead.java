package org.yimmo.http.parser;

import java.nio.ByteBuffer;

/**
 * One parsed request head, as offsets into the connection's buffer: no bytes are copied and no
 * object is made per request. Filled by {@link RequestHeadParser}, reused for every request of a
 * connection.
 *
 * <p>Not thread safe: the connection's reactor thread only. Valid from the parser's
 * {@link RequestHeadParser#COMPLETE} until its {@link RequestHeadParser#reset()}, and only while
 * the head's bytes stay where they were parsed: {@code buffer()[base(), base() + length())}. A
 * session that compacts or reuses the buffer must first take what it needs (for instance the
 * Strings of the WSGI environ, which {@link #name}, {@link #value}, {@link #target} make on
 * request).
 *
 * <p>Index accessors ({@link #nameStart} and friends) return absolute indices into
 * {@link #buffer()}; the head keeps them relative to its first byte, so they survive the session
 * moving an unfinished head between reads (see {@link RequestHeadParser}).
 */
public final class RequestHead {

    /** No Content-Length field. */
    public static final long NO_CONTENT_LENGTH = -1;

    // Offsets relative to the head's first byte.
    int methodEnd;
    int targetStart;
    int targetEnd;
    final int[] nameStarts;
    final int[] nameEnds;
    final int[] valueStarts;
    final int[] valueEnds;
    int count;

    HttpMethod method;
    int version;
    long contentLength;
    boolean chunked;
    boolean connectionClose;
    boolean connectionKeepAlive;
    boolean expectContinue;
    boolean host;

    ByteBuffer buffer;
    int base;
    int length;

    /**
     * An empty head able to hold {@code headerCountMax} fields; {@link RequestHeadParser} makes its
     * own, a session makes one to keep {@link #copyFrom copies} in.
     */
    public RequestHead(int headerCountMax) {
        nameStarts = new int[headerCountMax];
        nameEnds = new int[headerCountMax];
        valueStarts = new int[headerCountMax];
        valueEnds = new int[headerCountMax];
        clear();
    }

    void clear() {
        methodEnd = 0;
        targetStart = 0;
        targetEnd = 0;
        count = 0;
        method = HttpMethod.OTHER;
        version = 0;
        contentLength = NO_CONTENT_LENGTH;
        chunked = false;
        connectionClose = false;
        connectionKeepAlive = false;
        expectContinue = false;
        host = false;
        buffer = null;
        base = 0;
        length = 0;
    }

    /**
     * Makes this head a copy of {@code source} whose bytes are copied to the start of
     * {@code storage}, so that the copy stays valid while the source's buffer is compacted or
     * reused for the next read. Copies {@code source.length()} bytes and the offsets of its
     * fields; allocates nothing.
     *
     * @throws IllegalArgumentException if {@code storage} is smaller than the head, or if this
     *     head holds fewer fields than {@code source}
     */
    public void copyFrom(RequestHead source, ByteBuffer storage) {
        if (storage.capacity() < source.length) {
            throw new IllegalArgumentException(
                    "storage of " + storage.capacity() + " bytes for a head of " + source.length);
        }
        if (nameStarts.length < source.count) {
            throw new IllegalArgumentException(
                    "room for " + nameStarts.length + " fields, the head has " + source.count);
        }
        storage.put(0, source.buffer, source.base, source.length);
        methodEnd = source.methodEnd;
        targetStart = source.targetStart;
        targetEnd = source.targetEnd;
        count = source.count;
        System.arraycopy(source.nameStarts, 0, nameStarts, 0, count);
        System.arraycopy(source.nameEnds, 0, nameEnds, 0, count);
        System.arraycopy(source.valueStarts, 0, valueStarts, 0, count);
        System.arraycopy(source.valueEnds, 0, valueEnds, 0, count);
        method = source.method;
        version = source.version;
        contentLength = source.contentLength;
        chunked = source.chunked;
        connectionClose = source.connectionClose;
        connectionKeepAlive = source.connectionKeepAlive;
        expectContinue = source.expectContinue;
        host = source.host;
        buffer = storage;
        base = 0;
        length = source.length;
    }

    /** The buffer the head was parsed from. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Index in {@link #buffer()} of the head's first byte (the method's). */
    public int base() {
        return base;
    }

    /** Bytes of the head, from the method to the final CRLF included. */
    public int length() {
        return length;
    }

    public HttpMethod method() {
        return method;
    }

    /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
    public int version() {
        return version;
    }

    public int methodStart() {
        return base;
    }

    public int methodEnd() {
        return base + methodEnd;
    }

    public int targetStart() {
        return base + targetStart;
    }

    public int targetEnd() {
        return base + targetEnd;
    }

    /** Field lines in the head, in arrival order, repeated names included. */
    public int headerCount() {
        return count;
    }

    public int nameStart(int index) {
        return base + nameStarts[checkIndex(index)];
    }

    public int nameEnd(int index) {
        return base + nameEnds[checkIndex(index)];
    }

    /** First byte of the value, leading whitespace excluded. */
    public int valueStart(int index) {
        return base + valueStarts[checkIndex(index)];
    }

    /** End of the value, trailing whitespace excluded. */
    public int valueEnd(int index) {
        return base + valueEnds[checkIndex(index)];
    }

    /**
     * Whether field {@code index}'s name is {@code lowerCaseName}, ignoring case, without
     * allocating. The constant must hold only lower-case letters, digits and '-' (every
     * registered field name does).
     */
    public boolean nameEquals(int index, byte[] lowerCaseName) {
        return HttpBytes.equalsIgnoreCase(buffer, nameStart(index), nameEnd(index), lowerCaseName);
    }

    /** Index of the first field named {@code lowerCaseName} (as {@link #nameEquals}), or -1. */
    public int indexOf(byte[] lowerCaseName) {
        for (int i = 0; i < count; i++) {
            if (nameEquals(i, lowerCaseName)) {
                return i;
            }
        }
        return -1;
    }

    /** Content-Length, or {@link #NO_CONTENT_LENGTH}; already checked against the body limit. */
    public long contentLength() {
        return contentLength;
    }

    /** Transfer-Encoding is exactly chunked: the body is read with a {@link ChunkedDecoder}. */
    public boolean chunked() {
        return chunked;
    }

    /** Whether a body follows the head (chunked, or a Content-Length above zero). */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** A Connection field lists "close". */
    public boolean connectionClose() {
        return connectionClose;
    }

    /**
     * Whether the connection may carry another request after this one: HTTP/1.1 unless
     * "Connection: close"; HTTP/1.0 only with "Connection: keep-alive" and no "close".
     */
    public boolean keepAlive() {
        return !connectionClose && (version == 11 || connectionKeepAlive);
    }

    /** "Expect: 100-continue" was sent (any other expectation is refused with 417). */
    public boolean expectContinue() {
        return expectContinue;
    }

    /** A Host field was sent (always true for an accepted HTTP/1.1 request). */
    public boolean hasHost() {
        return host;
    }

    /** The method as a String; allocates. */
    public String methodName() {
        return HttpBytes.latin1(buffer, methodStart(), methodEnd());
    }

    /** The request-target as a String, ISO-8859-1 decoded; allocates. */
    public String target() {
        return HttpBytes.latin1(buffer, targetStart(), targetEnd());
    }

    /** Field {@code index}'s name as received (case kept), ISO-8859-1; allocates. */
    public String name(int index) {
        return HttpBytes.latin1(buffer, nameStart(index), nameEnd(index));
    }

    /** Field {@code index}'s value without surrounding whitespace, ISO-8859-1; allocates. */
    public String value(int index) {
        return HttpBytes.latin1(buffer, valueStart(index), valueEnd(index));
    }

    /**
     * The value of the first field named {@code name} (ignoring ASCII case), or null; allocates
     * only the result.
     */
    public String header(String name) {
        for (int i = 0; i < count; i++) {
            int start = nameStart(i);
            int length = nameEnd(i) - start;
            if (length == name.length() && nameMatches(start, name)) {
                return value(i);
            }
        }
        return null;
    }

    private boolean nameMatches(int start, String name) {
        for (int j = 0; j < name.length(); j++) {
            if (asciiLower(buffer.get(start + j)) != asciiLower(name.charAt(j))) {
                return false;
            }
        }
        return true;
    }

    private static int asciiLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("field " + index + " of " + count);
        }
        return index;
    }

    @Override
    public String toString() {
        return buffer == null ? "RequestHead[incomplete]"
                : "RequestHead[" + methodName() + " " + target() + " HTTP/1." + (version - 10)
                        + ", " + count + " fields]";
    }
}
