package org.yimmo.posix;

import java.io.IOException;
import java.net.ConnectException;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.annotations.SaveError;

/**
 * The POSIX socket calls of libc, on raw descriptors: the layer the epoll and kqueue backends
 * stand on. All of libc's socket symbols are bound here and nowhere else.
 *
 * <p>Conventions: pointers are {@code long} addresses of native memory the caller owns (a direct
 * buffer's address, see {@link NativeMemory}); nothing here allocates on the success path. Every
 * wrapper retries EINTR (but {@link #close}, which Linux must not retry) and turns a failure into
 * a {@link NativeIoException} naming the call and errno ({@link ConnectException} for a refused
 * or unreachable connect). "Would block" is a return value, never an exception.
 *
 * <p>Constants are Linux's (the values of x86_64 and aarch64 agree for everything used here).
 * Threading: every method may be called from any thread; the memory passed is the caller's
 * business.
 */
public final class Posix {

    // errno
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int EPROTO = 71;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EINPROGRESS = 115;

    // socket(2)
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;

    // options
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_ACCEPTCONN = 30;
    public static final int SHUT_WR = 1;

    // fcntl(2)
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int FD_CLOEXEC = 1;
    public static final int O_NONBLOCK = 0x800;

    /** What {@link #read} returns when nothing can be read now. */
    public static final long WOULD_BLOCK = -1;

    /** The libc functions, primitive signatures only; errno is saved only where it matters. */
    public interface LibC {
        @SaveError int socket(int domain, int type, int protocol);

        @SaveError int bind(int fd, long address, int length);

        @SaveError int listen(int fd, int backlog);

        @SaveError int accept4(int fd, long address, long lengthPointer, int flags);

        @SaveError int connect(int fd, long address, int length);

        @SaveError long read(int fd, long buffer, long count);

        @SaveError long write(int fd, long buffer, long count);

        @SaveError long writev(int fd, long iovecs, int count);

        @SaveError long sendfile(int outFd, int inFd, long offsetPointer, long count);

        @SaveError int shutdown(int fd, int how);

        @SaveError int close(int fd);

        @SaveError int setsockopt(int fd, int level, int name, long value, int length);

        @SaveError int getsockopt(int fd, int level, int name, long value, long lengthPointer);

        @SaveError int getsockname(int fd, long address, long lengthPointer);

        @SaveError int getpeername(int fd, long address, long lengthPointer);

        @SaveError int fcntl(int fd, int command, int argument);

        @SaveError int pipe(long fds);

        String strerror(int errno);
    }

    private static final LibC LIBC;
    private static final jnr.ffi.Runtime RUNTIME;
    private static final Throwable LOAD_FAILURE;

    static {
        LibC lib = null;
        jnr.ffi.Runtime runtime = null;
        Throwable failure = null;
        try {
            lib = LibraryLoader.create(LibC.class).option(LibraryOption.IgnoreError, true)
                    .load(Platform.getNativePlatform().getStandardCLibraryName());
            runtime = jnr.ffi.Runtime.getRuntime(lib);
            // Load the error path's classes now: after EMFILE no jar or class file can be opened.
            new NativeIoException("warm-up", 0, "");
        } catch (Throwable t) {
            failure = t;
        }
        LIBC = lib;
        RUNTIME = runtime;
        LOAD_FAILURE = failure;
    }

    private Posix() {
    }

    /** Null when libc is bound; otherwise why it could not be. */
    public static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    /** The binding itself, for facades of other libc subsystems (epoll) that share its errno. */
    public static int errno() {
        return RUNTIME.getLastError();
    }

    /** An exception for a failed call: "accept4: Too many open files (errno 24)". */
    public static IOException error(String call, int errno) {
        String text;
        try {
            text = LIBC.strerror(errno);
        } catch (RuntimeException e) {
            text = "error";
        }
        return switch (errno) {
            case ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH ->
                    new ConnectException(call + ": " + text + " (errno " + errno + ")");
            default -> new NativeIoException(call, errno, text);
        };
    }

    public static int socket(int domain, int type) throws IOException {
        for (;;) {
            int fd = LIBC.socket(domain, type, 0);
            if (fd >= 0) {
                return fd;
            }
            int errno = errno();
            if (errno != EINTR) {
                throw error("socket", errno);
            }
        }
    }

    public static void bind(int fd, long address, int length) throws IOException {
        check("bind", LIBC.bind(fd, address, length));
    }

    public static void listen(int fd, int backlog) throws IOException {
        check("listen", LIBC.listen(fd, backlog));
    }

    /**
     * Accepts one connection, non-blocking and close-on-exec.
     *
     * @return the new descriptor, or -1 when none is pending
     */
    public static int accept(int fd, long address, long lengthPointer) throws IOException {
        for (;;) {
            int accepted = LIBC.accept4(fd, address, lengthPointer, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (accepted >= 0) {
                return accepted;
            }
            int errno = errno();
            if (errno == EAGAIN) {
                return -1;
            }
            if (errno != EINTR) {
                throw error("accept4", errno);
            }
        }
    }

    /** @return true if connected at once, false if the connect is in progress (poll for writable) */
    public static boolean connect(int fd, long address, int length) throws IOException {
        for (;;) {
            if (LIBC.connect(fd, address, length) == 0) {
                return true;
            }
            int errno = errno();
            if (errno == EINPROGRESS || errno == EAGAIN) {
                return false;
            }
            if (errno != EINTR) {
                throw error("connect", errno);
            }
        }
    }

    /** @return bytes read, 0 at end of stream, or {@link #WOULD_BLOCK} */
    public static long read(int fd, long buffer, long count) throws IOException {
        for (;;) {
            long n = LIBC.read(fd, buffer, count);
            if (n >= 0) {
                return n;
            }
            int errno = errno();
            if (errno == EAGAIN) {
                return WOULD_BLOCK;
            }
            if (errno != EINTR) {
                throw error("read", errno);
            }
        }
    }

    /** @return bytes written, 0 when the socket takes none now */
    public static long write(int fd, long buffer, long count) throws IOException {
        for (;;) {
            long n = LIBC.write(fd, buffer, count);
            if (n >= 0) {
                return n;
            }
            int errno = errno();
            if (errno == EAGAIN) {
                return 0;
            }
            if (errno != EINTR) {
                throw error("write", errno);
            }
        }
    }

    /** Gathering write of {@code count} {@code struct iovec}s (16 bytes each) at {@code iovecs}. */
    public static long writev(int fd, long iovecs, int count) throws IOException {
        for (;;) {
            long n = LIBC.writev(fd, iovecs, count);
            if (n >= 0) {
                return n;
            }
            int errno = errno();
            if (errno == EAGAIN) {
                return 0;
            }
            if (errno != EINTR) {
                throw error("writev", errno);
            }
        }
    }

    /**
     * Zero-copy send from a file; the file offset is read from and advanced at
     * {@code offsetPointer} (an {@code off_t}), the file's own position is untouched.
     *
     * @return bytes sent, 0 when the socket takes none now (or the file has no more)
     */
    public static long sendfile(int socketFd, int fileFd, long offsetPointer, long count) throws IOException {
        for (;;) {
            long n = LIBC.sendfile(socketFd, fileFd, offsetPointer, count);
            if (n >= 0) {
                return n;
            }
            int errno = errno();
            if (errno == EAGAIN) {
                return 0;
            }
            if (errno != EINTR) {
                throw error("sendfile", errno);
            }
        }
    }

    public static void shutdown(int fd, int how) throws IOException {
        check("shutdown", LIBC.shutdown(fd, how));
    }

    /** Closes once: on Linux the descriptor is gone even when close reports EINTR, so no retry. */
    public static void close(int fd) throws IOException {
        if (LIBC.close(fd) < 0) {
            int errno = errno();
            if (errno != EINTR) {
                throw error("close", errno);
            }
        }
    }

    /** Sets an int option; {@code scratch} is 4 bytes of native memory. */
    public static void setIntOption(int fd, int level, int name, int value, long scratch) throws IOException {
        NativeMemory.putInt(scratch, value);
        check("setsockopt", LIBC.setsockopt(fd, level, name, scratch, 4));
    }

    /** Reads an int option; {@code scratch} is 8 bytes of native memory. */
    public static int getIntOption(int fd, int level, int name, long scratch) throws IOException {
        NativeMemory.putInt(scratch + 4, 4);
        check("getsockopt", LIBC.getsockopt(fd, level, name, scratch, scratch + 4));
        return NativeMemory.getInt(scratch);
    }

    /** Writes the local address into {@code address} and its length into {@code lengthPointer}. */
    public static void getsockname(int fd, long address, long lengthPointer) throws IOException {
        check("getsockname", LIBC.getsockname(fd, address, lengthPointer));
    }

    public static void getpeername(int fd, long address, long lengthPointer) throws IOException {
        check("getpeername", LIBC.getpeername(fd, address, lengthPointer));
    }

    /**
     * Opens a pipe, both ends non-blocking and close-on-exec; {@code fds} is 8 bytes of native
     * memory that receive the read end and then the write end.
     */
    public static void pipe(long fds) throws IOException {
        check("pipe", LIBC.pipe(fds));
        for (int i = 0; i < 2; i++) {
            makeNonBlockingAndCloseOnExec(NativeMemory.getInt(fds + 4L * i));
        }
    }

    /** Makes an inherited descriptor non-blocking and close-on-exec. */
    public static void makeNonBlockingAndCloseOnExec(int fd) throws IOException {
        int flags = retried("fcntl(F_GETFL)", fd, F_GETFL, 0);
        retried("fcntl(F_SETFL)", fd, F_SETFL, flags | O_NONBLOCK);
        retried("fcntl(F_SETFD)", fd, F_SETFD, FD_CLOEXEC);
    }

    private static int retried(String call, int fd, int command, int argument) throws IOException {
        for (;;) {
            int result = LIBC.fcntl(fd, command, argument);
            if (result >= 0) {
                return result;
            }
            int errno = errno();
            if (errno != EINTR) {
                throw error(call, errno);
            }
        }
    }

    /** A negative result becomes the exception; EINTR here is not retried (calls that cannot see it). */
    private static void check(String call, int result) throws IOException {
        if (result < 0) {
            throw error(call, errno());
        }
    }
}
