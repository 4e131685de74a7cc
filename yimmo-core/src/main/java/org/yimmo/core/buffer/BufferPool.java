package org.yimmo.core.buffer;

import java.nio.ByteBuffer;

/**
 * Direct buffers of one size, recycled. A connection takes a buffer when it has bytes to hold and
 * gives it back as soon as it holds none, so idle connections cost no buffer memory.
 *
 * <p>Not thread safe: the owning reactor's thread only. A buffer handed to another thread comes
 * back through the reactor's {@code execute}.
 */
public final class BufferPool {

    private final int bufferSize;
    private final ByteBuffer[] free;
    private int freeCount;
    private long allocated;
    private int inUse;

    public BufferPool(int bufferSize, int maxFree) {
        this.bufferSize = bufferSize;
        this.free = new ByteBuffer[maxFree];
    }

    /** A cleared buffer of {@link #bufferSize()} bytes. */
    public ByteBuffer acquire() {
        inUse++;
        if (freeCount > 0) {
            ByteBuffer buffer = free[--freeCount];
            free[freeCount] = null;
            return buffer;
        }
        allocated++;
        return ByteBuffer.allocateDirect(bufferSize);
    }

    /** Takes a buffer back; the caller must not touch it afterwards. */
    public void release(ByteBuffer buffer) {
        if (buffer.capacity() != bufferSize || !buffer.isDirect()) {
            throw new IllegalArgumentException("not a buffer of this pool: " + buffer);
        }
        inUse--;
        buffer.clear();
        if (freeCount < free.length) {
            free[freeCount++] = buffer;
        }
    }

    public int bufferSize() {
        return bufferSize;
    }

    /** Buffers acquired and not yet released. */
    public int inUse() {
        return inUse;
    }

    /** Buffers kept for reuse. */
    public int pooled() {
        return freeCount;
    }

    /** Buffers ever allocated; flat once the pool has warmed up. */
    public long allocated() {
        return allocated;
    }
}
