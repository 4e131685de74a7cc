package org.yimmo.reactor.kqueue;

import java.io.IOException;
import java.nio.ByteOrder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import org.yimmo.posix.Posix;

/**
 * kqueue(2) and kevent(2); the socket calls are in {@link Posix}. Pointers are raw addresses of
 * memory the caller preallocated (changelist, eventlist, timespec), so a call allocates nothing.
 *
 * <p>The symbols come from libc, or, when the system property {@value #LIBRARY_PROPERTY} (or the
 * environment variable {@value #LIBRARY_VARIABLE}) names a library, from that library: the tests
 * run on Linux against an emulation over epoll built from {@code src/test/c/kqemu.c}. The
 * {@link KeventLayout} is chosen from {@value #LAYOUT_PROPERTY} / {@value #LAYOUT_VARIABLE}
 * ({@code macos} or {@code freebsd}) or else from the OS name; an emulation defaults to macOS's.
 *
 * <p>Any thread.
 */
final class KqueueNative {

    static final String LIBRARY_PROPERTY = "yimmo.kqueue.library";
    static final String LIBRARY_VARIABLE = "YIMMO_KQUEUE_LIBRARY";
    static final String LAYOUT_PROPERTY = "yimmo.kqueue.layout";
    static final String LAYOUT_VARIABLE = "YIMMO_KQUEUE_LAYOUT";

    public interface LibKqueue {
        @SaveError int kqueue();

        /**
         * The timeout is a {@link Pointer}: jnr-ffi 2.2.17 passes a sixth primitive argument wrongly
         * on x86_64 (the callee found garbage in r9; a wrapped Pointer arrives intact).
         */
        @SaveError int kevent(int kq, long changes, int changeCount, long events, int eventCount, Pointer timeout);
    }

    /** The emulation library asked for, or null for the kernel's kqueue. */
    static final String EMULATION = setting(LIBRARY_PROPERTY, LIBRARY_VARIABLE);
    static final KeventLayout LAYOUT;
    private static final LibKqueue LIB;
    private static final Throwable LOAD_FAILURE;

    static {
        LibKqueue lib = null;
        KeventLayout layout = null;
        Throwable failure = Posix.loadFailure();
        try {
            String requested = setting(LAYOUT_PROPERTY, LAYOUT_VARIABLE);
            layout = KeventLayout.choose(requested, System.getProperty("os.name", ""));
            if (layout == null && EMULATION != null) {
                layout = KeventLayout.MACOS; // what kqemu.c implements unless built for FreeBSD
            }
        } catch (IllegalArgumentException e) {
            failure = new IllegalArgumentException("unknown struct kevent layout (expected macos or freebsd)", e);
        }
        if (failure == null && (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN
                || Platform.getNativePlatform().addressSize() != 64)) {
            failure = new UnsupportedOperationException("needs a little-endian 64-bit platform, not "
                    + System.getProperty("os.arch"));
        }
        if (failure == null) {
            try {
                lib = LibraryLoader.create(LibKqueue.class).option(LibraryOption.IgnoreError, true)
                        .load(EMULATION != null ? EMULATION : Platform.getNativePlatform().getStandardCLibraryName());
            } catch (Throwable t) {
                failure = t;
            }
        }
        LIB = lib;
        LAYOUT = layout;
        LOAD_FAILURE = failure;
    }

    private KqueueNative() {
    }

    private static String setting(String property, String variable) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(variable);
        }
        return value == null || value.isBlank() ? null : value;
    }

    /** Null when bound; otherwise why not. */
    static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    static int kqueue() throws IOException {
        for (;;) {
            int fd = LIB.kqueue();
            if (fd >= 0) {
                return fd;
            }
            int errno = Posix.errno();
            if (errno != Posix.EINTR) {
                throw Posix.error("kqueue", errno);
            }
        }
    }

    /**
     * Submits {@code changeCount} changes and collects up to {@code eventCount} events, waiting
     * no longer than the {@code struct timespec} at {@code timeout} (null: no limit; see
     * {@link #pointer}).
     *
     * @return the number of events written at {@code events}; 0 on EINTR (the caller's deadline
     *         holds; the changes were applied before the wait)
     */
    static int kevent(int kq, long changes, int changeCount, long events, int eventCount, Pointer timeout)
            throws IOException {
        int n = LIB.kevent(kq, changes, changeCount, events, eventCount, timeout);
        if (n >= 0) {
            return n;
        }
        int errno = Posix.errno();
        if (errno == Posix.EINTR) {
            return 0;
        }
        throw Posix.error("kevent", errno);
    }

    /** A Pointer to native memory the caller owns, made once and reused (for the timespec). */
    static Pointer pointer(long address) {
        return Pointer.wrap(jnr.ffi.Runtime.getSystemRuntime(), address);
    }

    /** Opens and closes a kqueue; the exception says why not. */
    static void probe() throws IOException {
        if (LOAD_FAILURE != null) {
            throw new IOException("cannot bind kqueue: " + LOAD_FAILURE, LOAD_FAILURE);
        }
        Posix.close(kqueue());
    }
}
