package org.yimmo.reactor.kqueue;

import java.nio.ByteBuffer;
import org.yimmo.posix.NativeMemory;

/**
 * The changelist of the next kevent call: interest changes in the order they were made, in one
 * preallocated native array of {@code struct kevent}. The kernel applies them in this order, so
 * a disable followed by an enable of the same filter in one turn ends enabled.
 *
 * <p>When a descriptor is closed its pending changes are taken out ({@link #removeDescriptor}),
 * keeping the order of the others: the kernel drops a closed descriptor's filters by itself, and
 * a change left behind would land on whatever socket reuses the number in the same turn.
 *
 * <p>Not thread safe; reactor thread only.
 */
final class ChangeList {

    private final KeventLayout layout;
    private final ByteBuffer memory;
    private final long address;
    private final int capacity;
    private int count;

    ChangeList(KeventLayout layout, int capacity) {
        this.layout = layout;
        this.capacity = capacity;
        this.memory = NativeMemory.allocate(capacity * layout.size());
        this.address = NativeMemory.address(memory);
    }

    long address() {
        return address;
    }

    int count() {
        return count;
    }

    boolean isFull() {
        return count == capacity;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Appends a change; the caller flushes first when {@link #isFull()}. */
    void add(long ident, short filter, int flags, long udata) {
        if (count == capacity) {
            throw new IllegalStateException("changelist full");
        }
        layout.put(address, count++, ident, filter, flags, 0, 0, udata);
    }

    /** Takes out the READ and WRITE changes of descriptor {@code fd}, keeping the others' order. */
    void removeDescriptor(int fd) {
        int kept = 0;
        for (int i = 0; i < count; i++) {
            short filter = layout.filter(address, i);
            boolean drop = layout.ident(address, i) == fd
                    && (filter == KeventLayout.EVFILT_READ || filter == KeventLayout.EVFILT_WRITE);
            if (!drop) {
                if (kept != i) {
                    layout.move(address, i, kept);
                }
                kept++;
            }
        }
        count = kept;
    }

    /** Adds EV_RECEIPT to every pending change: the kernel then returns one entry per change. */
    void markReceipts() {
        for (int i = 0; i < count; i++) {
            layout.setFlags(address, i, layout.flags(address, i) | KeventLayout.EV_RECEIPT);
        }
    }

    void clear() {
        count = 0;
    }
}
