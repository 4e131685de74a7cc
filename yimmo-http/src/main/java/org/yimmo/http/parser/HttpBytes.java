package org.yimmo.http.parser;

import java.nio.ByteBuffer;

/**
 * Byte classes of RFC 9110 and RFC 3986 as lookup tables, and allocation-free comparisons over a
 * buffer. Stateless; any thread.
 */
final class HttpBytes {

    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';

    /** tchar (RFC 9110 5.6.2): the bytes of a method, a field name or a list token. */
    static final boolean[] TCHAR = new boolean[256];
    /** field-vchar / SP / HTAB (RFC 9110 5.5), obs-text included: the bytes of a field value. */
    static final boolean[] VALUE = new boolean[256];
    /**
     * The bytes a request-target may hold: RFC 3986 unreserved, reserved except '#' (a fragment
     * is never sent), and '%'. Everything else (controls, SP, '"', '<', '>', '\', '^', '`', '{',
     * '|', '}', obs-text) must arrive percent-encoded.
     */
    static final boolean[] TARGET = new boolean[256];
    /** Hex digit values, or -1. */
    static final byte[] HEX = new byte[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
            TARGET[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
            TARGET[c] = true;
            TARGET[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c : "-._~:/?[]@!$&'()*+,;=%".toCharArray()) {
            TARGET[c] = true;
        }
        for (int c = 0x21; c <= 0xff; c++) {
            VALUE[c] = c != 0x7f;
        }
        VALUE[SP] = true;
        VALUE[HTAB] = true;
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int c = 0; c < 10; c++) {
            HEX['0' + c] = (byte) c;
        }
        for (int c = 0; c < 6; c++) {
            HEX['a' + c] = (byte) (10 + c);
            HEX['A' + c] = (byte) (10 + c);
        }
    }

    private HttpBytes() {
    }

    static boolean isOws(byte b) {
        return b == SP || b == HTAB;
    }

    /**
     * Whether {@code buffer[start, end)} equals {@code lower}, ignoring ASCII case.
     *
     * <p>{@code lower} must hold only lower-case letters, digits and '-': then {@code (b | 0x20)
     * == c} matches exactly {@code c} and its upper case among the bytes a validated name or value
     * can hold (the other bytes it would fold onto are controls, rejected before we get here).
     */
    static boolean equalsIgnoreCase(ByteBuffer buffer, int start, int end, byte[] lower) {
        if (end - start != lower.length) {
            return false;
        }
        for (int k = 0; k < lower.length; k++) {
            if ((buffer.get(start + k) | 0x20) != lower[k]) {
                return false;
            }
        }
        return true;
    }

    static boolean equals(ByteBuffer buffer, int start, int end, byte[] exact) {
        if (end - start != exact.length) {
            return false;
        }
        for (int k = 0; k < exact.length; k++) {
            if (buffer.get(start + k) != exact[k]) {
                return false;
            }
        }
        return true;
    }

    /** ISO-8859-1 decoding, as WSGI wants header bytes; allocates, so only on request. */
    static String latin1(ByteBuffer buffer, int start, int end) {
        byte[] bytes = new byte[end - start];
        buffer.get(start, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
