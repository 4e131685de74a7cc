package org.yimmo.reactor.kqueue;

import java.util.Locale;
import org.yimmo.posix.NativeMemory;

/**
 * Where the fields of {@code struct kevent} sit, and the constants that differ between the
 * kernels. Both layouts share the first 32 bytes on 64-bit platforms: {@code uintptr_t ident} at
 * 0, {@code int16 filter} at 8, {@code uint16 flags} at 10, {@code uint32 fflags} at 12,
 * {@code intptr_t data} at 16, {@code void *udata} at 24. FreeBSD 12 and later append
 * {@code uint64_t ext[4]}, making it 64 bytes; macOS's is 32. EVFILT_USER is -10 on macOS and
 * -11 on FreeBSD.
 *
 * <p>Reads and writes go straight to native memory at fixed offsets, no object per event.
 * Immutable; any thread.
 */
enum KeventLayout {

    MACOS(32, -10),
    FREEBSD(64, -11);

    static final int IDENT = 0;
    static final int FILTER = 8;
    static final int FLAGS = 10;
    static final int FFLAGS = 12;
    static final int DATA = 16;
    static final int UDATA = 24;

    static final short EVFILT_READ = -1;
    static final short EVFILT_WRITE = -2;

    static final int EV_ADD = 0x0001;
    static final int EV_DELETE = 0x0002;
    static final int EV_ENABLE = 0x0004;
    static final int EV_DISABLE = 0x0008;
    static final int EV_ONESHOT = 0x0010;
    static final int EV_CLEAR = 0x0020;
    static final int EV_RECEIPT = 0x0040;
    static final int EV_ERROR = 0x4000;
    static final int EV_EOF = 0x8000;
    static final int NOTE_TRIGGER = 0x01000000;

    private final int size;
    private final short userFilter;

    KeventLayout(int size, int userFilter) {
        this.size = size;
        this.userFilter = (short) userFilter;
    }

    /** Bytes per {@code struct kevent}. */
    int size() {
        return size;
    }

    /** EVFILT_USER of this kernel. */
    short userFilter() {
        return userFilter;
    }

    /**
     * The layout for a kernel: {@code requested} ("macos" or "freebsd", from a system property)
     * wins; otherwise from the OS name. Null when neither names a kqueue platform.
     */
    static KeventLayout choose(String requested, String osName) {
        if (requested != null && !requested.isBlank()) {
            return valueOf(requested.trim().toUpperCase(Locale.ROOT));
        }
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return MACOS;
        }
        if (os.startsWith("freebsd")) {
            return FREEBSD;
        }
        return null;
    }

    /** Writes entry {@code index} of the array at {@code base}; ext[4] (FreeBSD) is zeroed. */
    void put(long base, int index, long ident, short filter, int flags, int fflags, long data, long udata) {
        long at = base + (long) index * size;
        NativeMemory.putLong(at + IDENT, ident);
        NativeMemory.putShort(at + FILTER, filter);
        NativeMemory.putShort(at + FLAGS, (short) flags);
        NativeMemory.putInt(at + FFLAGS, fflags);
        NativeMemory.putLong(at + DATA, data);
        NativeMemory.putLong(at + UDATA, udata);
        for (int extra = 32; extra < size; extra += 8) {
            NativeMemory.putLong(at + extra, 0);
        }
    }

    /** Copies entry {@code from} of the array at {@code base} over entry {@code to}. */
    void move(long base, int from, int to) {
        long source = base + (long) from * size;
        long target = base + (long) to * size;
        for (int offset = 0; offset < size; offset += 8) {
            NativeMemory.putLong(target + offset, NativeMemory.getLong(source + offset));
        }
    }

    long ident(long base, int index) {
        return NativeMemory.getLong(base + (long) index * size + IDENT);
    }

    short filter(long base, int index) {
        return NativeMemory.getShort(base + (long) index * size + FILTER);
    }

    /** The flags, unsigned. */
    int flags(long base, int index) {
        return NativeMemory.getShort(base + (long) index * size + FLAGS) & 0xffff;
    }

    void setFlags(long base, int index, int flags) {
        NativeMemory.putShort(base + (long) index * size + FLAGS, (short) flags);
    }

    int fflags(long base, int index) {
        return NativeMemory.getInt(base + (long) index * size + FFLAGS);
    }

    long data(long base, int index) {
        return NativeMemory.getLong(base + (long) index * size + DATA);
    }

    long udata(long base, int index) {
        return NativeMemory.getLong(base + (long) index * size + UDATA);
    }
}
