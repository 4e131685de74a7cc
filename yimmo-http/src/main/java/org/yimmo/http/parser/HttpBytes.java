package org.yimmo.http.parser;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
    /** {@link #TARGET} without '%', so that a scan stops at each percent-encoding. */
    static final boolean[] TARGET_PLAIN = new boolean[256];
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
        System.arraycopy(TARGET, 0, TARGET_PLAIN, 0, 256);
        TARGET_PLAIN['%'] = false;
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

    /**
     * Eight bytes of a buffer as one long, byte {@code i} in the low bits whatever the buffer's
     * own order (so "first byte" is "lowest byte", which the borrow-based tests below rely on).
     */
    private static final VarHandle BUFFER_LONG =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BUFFER_INT =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;
    private static final long DELS = 0x7f7f7f7f7f7f7f7fL;
    private static final long CASE = 0x2020202020202020L;

    private HttpBytes() {
    }

    /** Bytes {@code [i, i + 8)} of {@code buffer}, byte {@code i} lowest; needs {@code i + 8 <= limit}. */
    static long word(ByteBuffer buffer, int i) {
        return (long) BUFFER_LONG.get(buffer, i);
    }

    /** A long whose low bytes are {@code ascii}, in the order {@link #word} reads. */
    static long wordOf(String ascii) {
        long w = 0;
        for (int k = ascii.length() - 1; k >= 0; k--) {
            w = w << 8 | ascii.charAt(k);
        }
        return w;
    }

    /**
     * Index of the first byte in {@code [i, stop)} that is not in {@code table}, or {@code stop}.
     * Reads eight bytes at a time and looks each up from the register; the tail (under eight
     * bytes before {@code stop}) byte by byte, so nothing at or past {@code stop} is read.
     */
    static int scan(ByteBuffer buffer, int i, int stop, boolean[] table) {
        while (i + 8 <= stop) {
            long x = word(buffer, i);
            for (int k = 0; k < 8; k++) {
                if (!table[(int) (x >>> (k << 3)) & 0xff]) {
                    return i + k;
                }
            }
            i += 8;
        }
        while (i < stop && table[buffer.get(i) & 0xff]) {
            i++;
        }
        return i;
    }

    /**
     * Index of the first byte in {@code [i, stop)} that cannot be in a field value (not in
     * {@link #VALUE}), or {@code stop}. Values are most of a head's bytes, so eight at a time are
     * tested for any byte below 0x20 or equal to 0x7f. In each test the lowest flagged byte is
     * exact (a borrow only runs upwards from a byte that really is flagged), so the first such
     * byte is found without a byte-by-byte pass; a tab is allowed and skipped.
     */
    static int scanValue(ByteBuffer buffer, int i, int stop) {
        while (i + 8 <= stop) {
            long x = word(buffer, i);
            long y = x ^ DELS;
            long m = (((x - SPACES) & ~x) | ((y - ONES) & ~y)) & HIGHS;
            if (m == 0) {
                i += 8;
                continue;
            }
            int k = Long.numberOfTrailingZeros(m) >>> 3;
            i += k;
            if (((int) (x >>> (k << 3)) & 0xff) != HTAB) {
                return i;
            }
            i++;
        }
        while (i < stop && VALUE[buffer.get(i) & 0xff]) {
            i++;
        }
        return i;
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
        final int n = lower.length;
        if (end - start != n) {
            return false;
        }
        // Whole words where they fit (the last one overlapping); the same per-byte fold.
        if (n >= 8) {
            int k = 0;
            for (; k + 8 < n; k += 8) {
                if ((word(buffer, start + k) | CASE) != (long) ARRAY_LONG.get(lower, k)) {
                    return false;
                }
            }
            return (word(buffer, end - 8) | CASE) == (long) ARRAY_LONG.get(lower, n - 8);
        }
        if (n >= 4) {
            return ((int) BUFFER_INT.get(buffer, start) | (int) CASE) == (int) ARRAY_INT.get(lower, 0)
                    && ((int) BUFFER_INT.get(buffer, end - 4) | (int) CASE) == (int) ARRAY_INT.get(lower, n - 4);
        }
        for (int k = 0; k < n; k++) {
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
