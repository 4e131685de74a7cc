package org.yimmo.wsgi.bridge;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;

/**
 * A worker's native scratch memory: one direct buffer that both Java (as a ByteBuffer) and the C
 * API (as an address) can use, so bytes cross between the HTTP layer and Python with one copy and
 * no object per request. Grows on demand and stays grown. One worker thread only.
 */
final class Scratch {

    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private ByteBuffer buffer;
    private long address;

    Scratch(int capacity) {
        allocate(capacity);
    }

    ByteBuffer buffer() {
        return buffer;
    }

    long address() {
        return address;
    }

    int capacity() {
        return buffer.capacity();
    }

    /** Makes room for {@code capacity} bytes, keeping the contents. */
    void ensure(int capacity) {
        if (buffer.capacity() < capacity) {
            ByteBuffer old = buffer;
            allocate(Math.max(capacity, 2 * old.capacity()));
            buffer.put(0, old, 0, old.capacity());
        }
    }

    /** Copies {@code length} bytes of native memory at {@code source} to offset {@code at}. */
    void copyFrom(long source, int at, int length) {
        MEMORY.copyMemory(source, address + at, length);
    }

    /**
     * Writes the UTF-8 text at {@code source} (what {@code PyUnicode_AsUTF8AndSize} gives) as
     * ISO-8859-1 from offset {@code at}.
     *
     * @return the number of bytes written, or -1 if the text holds a character above U+00FF
     */
    int latin1FromUtf8(long source, int length, int at) {
        ensure(at + length);
        int out = at;
        for (int i = 0; i < length; i++) {
            int b = MEMORY.getByte(source + i) & 0xff;
            if (b >= 0x80) {
                // U+0080..U+00FF are the two-byte sequences C2 xx and C3 xx; anything else is not latin-1.
                if ((b != 0xc2 && b != 0xc3) || i + 1 == length) {
                    return -1;
                }
                b = ((b & 0x03) << 6) | (MEMORY.getByte(source + ++i) & 0x3f);
            }
            buffer.put(out++, (byte) b);
        }
        return out - at;
    }

    private void allocate(int capacity) {
        buffer = ByteBuffer.allocateDirect(capacity);
        address = MEMORY.getDirectBufferAddress(buffer);
    }
}
