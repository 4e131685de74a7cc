package org.yimmo.core.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BufferPoolTest {

    @Test
    void shouldReuseReleasedBuffersCleared() {
        BufferPool pool = new BufferPool(1024, 4);
        ByteBuffer first = pool.acquire();
        assertTrue(first.isDirect());
        assertEquals(1024, first.capacity());
        first.put((byte) 1).flip();
        pool.release(first);
        ByteBuffer again = pool.acquire();
        assertSame(first, again);
        assertEquals(0, again.position());
        assertEquals(1024, again.limit());
        assertEquals(1, pool.allocated());
    }

    @Test
    void shouldKeepNoMoreThanItsLimitAndCountWhatIsInUse() {
        BufferPool pool = new BufferPool(64, 2);
        ByteBuffer[] buffers = new ByteBuffer[5];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = pool.acquire();
        }
        assertEquals(5, pool.inUse());
        for (ByteBuffer buffer : buffers) {
            pool.release(buffer);
        }
        assertEquals(0, pool.inUse());
        assertEquals(2, pool.pooled());
        assertEquals(5, pool.allocated());
    }

    @Test
    void shouldRefuseABufferFromElsewhere() {
        BufferPool pool = new BufferPool(64, 2);
        assertThrows(IllegalArgumentException.class, () -> pool.release(ByteBuffer.allocate(64)));
        assertThrows(IllegalArgumentException.class, () -> pool.release(ByteBuffer.allocateDirect(32)));
    }
}
