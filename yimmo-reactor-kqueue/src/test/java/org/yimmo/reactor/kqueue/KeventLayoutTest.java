package org.yimmo.reactor.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.yimmo.posix.NativeMemory;

/** struct kevent at the byte level, against hand-made structs, and the changelist builder. */
class KeventLayoutTest {

    @Test
    void shouldChooseTheLayoutFromTheOsNameUnlessOneIsRequested() {
        assertEquals(KeventLayout.MACOS, KeventLayout.choose(null, "Mac OS X"));
        assertEquals(KeventLayout.FREEBSD, KeventLayout.choose(null, "FreeBSD"));
        assertNull(KeventLayout.choose(null, "Linux"));
        assertEquals(KeventLayout.FREEBSD, KeventLayout.choose("freebsd", "Linux"));
        assertEquals(KeventLayout.MACOS, KeventLayout.choose(" macos ", "FreeBSD"));
        assertThrows(IllegalArgumentException.class, () -> KeventLayout.choose("openbsd", "Linux"));
    }

    @Test
    void shouldKnowEachKernelsSizeAndUserFilter() {
        assertEquals(32, KeventLayout.MACOS.size());
        assertEquals(64, KeventLayout.FREEBSD.size());
        assertEquals(-10, KeventLayout.MACOS.userFilter());
        assertEquals(-11, KeventLayout.FREEBSD.userFilter());
    }

    @ParameterizedTest
    @EnumSource(KeventLayout.class)
    void shouldWriteEveryFieldAtItsOffset(KeventLayout layout) {
        ByteBuffer memory = NativeMemory.allocate(2 * layout.size());
        for (int i = 0; i < memory.capacity(); i++) {
            memory.put(i, (byte) 0x5a); // ext[4] must come out zeroed
        }
        long base = NativeMemory.address(memory);
        layout.put(base, 1, 42, KeventLayout.EVFILT_WRITE, KeventLayout.EV_ADD | KeventLayout.EV_EOF, 7, -3, 0x1234_0000_0009L);
        int at = layout.size();
        assertEquals(42, memory.getLong(at));
        assertEquals(-2, memory.getShort(at + 8));
        assertEquals((short) 0x8001, memory.getShort(at + 10));
        assertEquals(7, memory.getInt(at + 12));
        assertEquals(-3, memory.getLong(at + 16));
        assertEquals(0x1234_0000_0009L, memory.getLong(at + 24));
        for (int extra = 32; extra < layout.size(); extra++) {
            assertEquals(0, memory.get(at + extra), "ext byte " + extra);
        }
        assertEquals(0x5a, memory.get(0), "entry 0 untouched");
    }

    @ParameterizedTest
    @EnumSource(KeventLayout.class)
    void shouldReadAnEventTheKernelWrote(KeventLayout layout) {
        // As the kernel would fill entry 2: EVFILT_READ, EV_EOF | EV_CLEAR, fflags ECONNRESET, 5 bytes left.
        ByteBuffer memory = NativeMemory.allocate(3 * layout.size());
        int at = 2 * layout.size();
        memory.putLong(at, 9).putShort(at + 8, (short) -1).putShort(at + 10, (short) 0x8020)
                .putInt(at + 12, 104).putLong(at + 16, 5).putLong(at + 24, (3L << 32) | 9);
        long base = NativeMemory.address(memory);
        assertEquals(9, layout.ident(base, 2));
        assertEquals(KeventLayout.EVFILT_READ, layout.filter(base, 2));
        assertEquals(KeventLayout.EV_EOF | KeventLayout.EV_CLEAR, layout.flags(base, 2), "flags are unsigned");
        assertEquals(104, layout.fflags(base, 2));
        assertEquals(5, layout.data(base, 2));
        assertEquals((3L << 32) | 9, layout.udata(base, 2));
    }

    @ParameterizedTest
    @EnumSource(KeventLayout.class)
    void shouldKeepTheOrderOfChangesWhenAClosedDescriptorsAreTakenOut(KeventLayout layout) {
        ChangeList changes = new ChangeList(layout, 8);
        changes.add(5, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD, 1);
        changes.add(6, KeventLayout.EVFILT_READ, KeventLayout.EV_DISABLE, 2);
        changes.add(5, KeventLayout.EVFILT_WRITE, KeventLayout.EV_ADD | KeventLayout.EV_ONESHOT, 1);
        changes.add(5, layout.userFilter(), KeventLayout.EV_ADD, 0); // not a descriptor: stays
        changes.add(6, KeventLayout.EVFILT_READ, KeventLayout.EV_ENABLE, 2);
        changes.removeDescriptor(5);
        long base = changes.address();
        assertEquals(3, changes.count());
        assertEquals(KeventLayout.EV_DISABLE, layout.flags(base, 0));
        assertEquals(layout.userFilter(), layout.filter(base, 1));
        assertEquals(KeventLayout.EV_ENABLE, layout.flags(base, 2), "disable then enable: enable must stay last");
        changes.markReceipts();
        assertEquals(KeventLayout.EV_ENABLE | KeventLayout.EV_RECEIPT, layout.flags(base, 2));
    }

    @Test
    void shouldRefuseAChangeWhenFull() {
        ChangeList changes = new ChangeList(KeventLayout.MACOS, 1);
        changes.add(1, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD, 0);
        assertEquals(true, changes.isFull());
        assertThrows(IllegalStateException.class, () -> changes.add(2, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD, 0));
        changes.clear();
        assertEquals(true, changes.isEmpty());
    }
}
