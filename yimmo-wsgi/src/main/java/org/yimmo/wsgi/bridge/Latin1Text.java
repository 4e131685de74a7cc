package org.yimmo.wsgi.bridge;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A reusable {@link CharSequence} over ISO-8859-1 bytes in a buffer: hands a Python string's text
 * to the HTTP layer without making a Java String per header. Valid until its next {@link #set}.
 */
final class Latin1Text implements CharSequence {

    private ByteBuffer bytes;
    private int from;
    private int length;

    Latin1Text set(ByteBuffer buffer, int start, int end) {
        this.bytes = buffer;
        this.from = start;
        this.length = end - start;
        return this;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return (char) (bytes.get(from + index) & 0xff);
    }

    /** Whether the text equals {@code lowerCase} ignoring ASCII case. */
    boolean equalsIgnoreCase(String lowerCase) {
        if (lowerCase.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int c = bytes.get(from + i);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().substring(start, end);
    }

    @Override
    public String toString() {
        byte[] copy = new byte[length];
        bytes.get(from, copy);
        return new String(copy, StandardCharsets.ISO_8859_1);
    }
}
