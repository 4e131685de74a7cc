package org.yimmo.reactor.epoll;

import java.io.IOException;
import java.nio.ByteOrder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.annotations.SaveError;
import org.yimmo.posix.NativeMemory;
import org.yimmo.posix.Posix;

/**
 * The epoll(7) and eventfd(2) calls of libc; the socket calls are in {@link Posix}. Wrappers
 * retry EINTR (but {@link #epollWait}, which reports it as no events so the caller's deadline
 * holds) and throw exceptions naming the call and errno.
 *
 * <p>{@code struct epoll_event} is {@code uint32 events; uint64 data} and packed on x86_64 (12
 * bytes), naturally aligned elsewhere (16 bytes): {@link #EVENT_SIZE} and
 * {@link #EVENT_DATA_OFFSET} say which. Any thread.
 */
final class Native {

    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLEXCLUSIVE = 1 << 28;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;

    static final boolean PACKED = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"));
    static final int EVENT_SIZE = PACKED ? 12 : 16;
    static final int EVENT_DATA_OFFSET = PACKED ? 4 : 8;

    public interface LibEpoll {
        @SaveError int epoll_create1(int flags);

        @SaveError int epoll_ctl(int epfd, int op, int fd, long event);

        @SaveError int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);

        @SaveError int eventfd(int initialValue, int flags);
    }

    private static final LibEpoll LIB;
    private static final Throwable LOAD_FAILURE;

    static {
        LibEpoll lib = null;
        Throwable failure = Posix.loadFailure();
        if (failure == null) {
            try {
                lib = LibraryLoader.create(LibEpoll.class).option(LibraryOption.IgnoreError, true)
                        .load(Platform.getNativePlatform().getStandardCLibraryName());
            } catch (Throwable t) {
                failure = t;
            }
        }
        if (failure == null && (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN
                || Platform.getNativePlatform().addressSize() != 64)) {
            // The event layout above, and size_t as long, hold for the little-endian 64-bit ports.
            failure = new UnsupportedOperationException("needs a little-endian 64-bit platform, not "
                    + System.getProperty("os.arch"));
        }
        LIB = lib;
        LOAD_FAILURE = failure;
    }

    private Native() {
    }

    /** Null when bound; otherwise why not. */
    static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    static int epollCreate() throws IOException {
        for (;;) {
            int fd = LIB.epoll_create1(EPOLL_CLOEXEC);
            if (fd >= 0) {
                return fd;
            }
            int errno = Posix.errno();
            if (errno != Posix.EINTR) {
                throw Posix.error("epoll_create1", errno);
            }
        }
    }

    /** A non-blocking eventfd, for waking the loop. */
    static int eventFd() throws IOException {
        for (;;) {
            int fd = LIB.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (fd >= 0) {
                return fd;
            }
            int errno = Posix.errno();
            if (errno != Posix.EINTR) {
                throw Posix.error("eventfd", errno);
            }
        }
    }

    /**
     * Adds, modifies or deletes {@code fd}'s registration; {@code scratch} is one event's worth
     * of native memory (the caller's, not shared with another thread).
     */
    static void epollCtl(int epfd, int op, int fd, int events, long data, long scratch) throws IOException {
        NativeMemory.putInt(scratch, events);
        NativeMemory.putLong(scratch + EVENT_DATA_OFFSET, data);
        for (;;) {
            if (LIB.epoll_ctl(epfd, op, fd, scratch) == 0) {
                return;
            }
            int errno = Posix.errno();
            if (errno != Posix.EINTR) {
                throw Posix.error(op == EPOLL_CTL_ADD ? "epoll_ctl(ADD)" : op == EPOLL_CTL_MOD ? "epoll_ctl(MOD)"
                        : "epoll_ctl(DEL)", errno);
            }
        }
    }

    /** @return the number of events written at {@code events}; 0 on timeout or on EINTR */
    static int epollWait(int epfd, long events, int maxEvents, int timeoutMillis) throws IOException {
        int n = LIB.epoll_wait(epfd, events, maxEvents, timeoutMillis);
        if (n >= 0) {
            return n;
        }
        int errno = Posix.errno();
        if (errno == Posix.EINTR) {
            return 0;
        }
        throw Posix.error("epoll_wait", errno);
    }

    /** Opens and closes an epoll descriptor and an eventfd; the exception says why not. */
    static void probe() throws IOException {
        if (LOAD_FAILURE != null) {
            throw new IOException("cannot bind libc: " + LOAD_FAILURE, LOAD_FAILURE);
        }
        int epfd = epollCreate();
        try {
            Posix.close(eventFd());
        } finally {
            Posix.close(epfd);
        }
    }
}
