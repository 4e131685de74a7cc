package org.yimmo.posix;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
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
 * <p>Linux, macOS and FreeBSD 12+: the constants are the running kernel's, chosen once at class
 * initialisation ({@link PosixConstants}), and so are the calls whose shape differs: accept4
 * (accept and fcntl on macOS, which lacks it), socket-type flags (fcntl after socket on macOS),
 * sendfile's three signatures, and SIGPIPE (SO_NOSIGPIPE on each socket on the BSDs; on Linux the
 * JVM's own SIGPIPE handler absorbs it). Everything is a static final, so the hot path branches
 * on constants the JIT folds. On any other OS {@link #loadFailure} says so.
 *
 * <p>Threading: every method may be called from any thread; the memory passed is the caller's
 * business.
 */
public final class Posix {

    /** The running kernel's numbers (Linux's when the OS is unknown; then {@link #loadFailure} is set). */
    static final PosixConstants PLATFORM;
    private static final Throwable PLATFORM_FAILURE;

    static {
        PosixConstants.Os os = PosixConstants.Os.current();
        PLATFORM = PosixConstants.of(os != null ? os : PosixConstants.Os.LINUX);
        PLATFORM_FAILURE = os != null ? null : new UnsupportedOperationException(
                "yimmo-posix knows the socket constants of Linux, macOS and FreeBSD, not " + System.getProperty("os.name") + "'s");
    }

    // errno
    public static final int EINTR = PLATFORM.eintr;
    public static final int EAGAIN = PLATFORM.eagain;
    public static final int EINVAL = PLATFORM.einval;
    public static final int ENOMEM = PLATFORM.enomem;
    public static final int ENFILE = PLATFORM.enfile;
    public static final int EMFILE = PLATFORM.emfile;
    public static final int EPIPE = PLATFORM.epipe;
    public static final int EPROTO = PLATFORM.eproto;
    public static final int ENETUNREACH = PLATFORM.enetunreach;
    public static final int ECONNABORTED = PLATFORM.econnaborted;
    public static final int ECONNRESET = PLATFORM.econnreset;
    public static final int ENOBUFS = PLATFORM.enobufs;
    public static final int ETIMEDOUT = PLATFORM.etimedout;
    public static final int ECONNREFUSED = PLATFORM.econnrefused;
    public static final int EHOSTUNREACH = PLATFORM.ehostunreach;
    public static final int EINPROGRESS = PLATFORM.einprogress;
    public static final int ENOTSUP = PLATFORM.enotsup;
    public static final int EOPNOTSUPP = PLATFORM.eopnotsupp;

    // socket(2)
    public static final int AF_UNIX = PLATFORM.afUnix;
    public static final int AF_INET = PLATFORM.afInet;
    public static final int AF_INET6 = PLATFORM.afInet6;
    public static final int SOCK_STREAM = PLATFORM.sockStream;
    /** What socket(2) and accept4 take for a non-blocking close-on-exec descriptor; 0 where they cannot (macOS). */
    private static final int SOCK_FLAGS = PLATFORM.hasSocketTypeFlags() ? PLATFORM.sockNonblock | PLATFORM.sockCloexec : 0;

    // options
    public static final int SOL_SOCKET = PLATFORM.solSocket;
    public static final int SO_REUSEADDR = PLATFORM.soReuseaddr;
    public static final int SO_ERROR = PLATFORM.soError;
    public static final int SO_REUSEPORT = PLATFORM.soReuseport;
    public static final int SO_ACCEPTCONN = PLATFORM.soAcceptconn;
    /** Set on every socket where the kernel has it (the BSDs); 0 on Linux. */
    public static final int SO_NOSIGPIPE = PLATFORM.soNosigpipe;
    public static final int SHUT_WR = PLATFORM.shutWr;
    public static final int IPPROTO_TCP = PLATFORM.ipprotoTcp;
    public static final int TCP_NODELAY = PLATFORM.tcpNodelay;

    // fcntl(2)
    public static final int F_SETFD = PLATFORM.fSetfd;
    public static final int F_GETFL = PLATFORM.fGetfl;
    public static final int F_SETFL = PLATFORM.fSetfl;
    public static final int FD_CLOEXEC = PosixConstants.FD_CLOEXEC;
    public static final int O_NONBLOCK = PLATFORM.oNonblock;

    private static final PosixConstants.Sendfile SENDFILE = PLATFORM.sendfile();

    /** What {@link #read} returns when nothing can be read now. */
    public static final long WOULD_BLOCK = -1;
    /** What {@link #sendfile} returns when the kernel cannot sendfile to this socket: copy instead. */
    public static final long SENDFILE_UNSUPPORTED = -2;
    /** Internal: a sendfile interrupted before it sent anything, to be called again. */
    static final long RETRY = -3;

    /**
     * The libc functions, primitive signatures only; errno is saved only where it matters. The
     * three shapes of sendfile are mapped to the one symbol {@code sendfile}; only the running
     * kernel's is ever called (jnr-ffi resolves a symbol only for its own stub, so accept4 missing
     * on macOS harms nobody). A sixth primitive argument arrives as garbage through jnr-ffi 2.2.17's
     * x86_64 fast path, so the BSD shapes take {@link Pointer}s, which do not use it.
     */
    public interface LibC {
        @SaveError int socket(int domain, int type, int protocol);

        @SaveError int bind(int fd, long address, int length);

        @SaveError int listen(int fd, int backlog);

        @SaveError int accept(int fd, long address, long lengthPointer);

        @SaveError int accept4(int fd, long address, long lengthPointer, int flags);

        @SaveError int connect(int fd, long address, int length);

        @SaveError long read(int fd, long buffer, long count);

        @SaveError long write(int fd, long buffer, long count);

        @SaveError long writev(int fd, long iovecs, int count);

        @SaveError long sendfileLinux(int outFd, int inFd, Pointer offset, long count);

        @SaveError int sendfileFreeBsd(int fileFd, int socketFd, long offset, long count, Pointer headerTrailer,
                Pointer sent, int flags);

        @SaveError int sendfileMacos(int fileFd, int socketFd, long offset, Pointer length, Pointer headerTrailer,
                int flags);

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
    /** An int 1 in native memory for setsockopt, written once here and only read after. */
    private static final ByteBuffer ONE = NativeMemory.allocate(4).putInt(0, 1);
    private static final long ONE_ADDRESS = NativeMemory.address(ONE);

    static {
        LibC lib = null;
        jnr.ffi.Runtime runtime = null;
        Throwable failure = PLATFORM_FAILURE;
        try {
            lib = LibraryLoader.create(LibC.class).option(LibraryOption.IgnoreError, true)
                    .map("sendfileLinux", "sendfile").map("sendfileFreeBsd", "sendfile").map("sendfileMacos", "sendfile")
                    .load(Platform.getNativePlatform().getStandardCLibraryName());
            runtime = jnr.ffi.Runtime.getRuntime(lib);
            // Load the error path's classes now: after EMFILE no jar or class file can be opened.
            new NativeIoException("warm-up", 0, "");
        } catch (Throwable t) {
            failure = failure != null ? failure : t;
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
        if (errno == ECONNREFUSED || errno == ETIMEDOUT || errno == EHOSTUNREACH || errno == ENETUNREACH) {
            return new ConnectException(call + ": " + text + " (errno " + errno + ")");
        }
        return new NativeIoException(call, errno, text);
    }

    /**
     * Opens a stream socket, non-blocking and close-on-exec (and with SO_NOSIGPIPE where the
     * kernel has it): with SOCK_NONBLOCK | SOCK_CLOEXEC where socket(2) takes them, else with
     * fcntl after it (macOS).
     */
    public static int streamSocket(int domain) throws IOException {
        for (;;) {
            int fd = LIBC.socket(domain, SOCK_STREAM | SOCK_FLAGS, 0);
            if (fd >= 0) {
                return prepared(fd, SOCK_FLAGS != 0);
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
     * Accepts one connection, non-blocking and close-on-exec (and with SO_NOSIGPIPE where the
     * kernel has it): accept4 where it exists, else accept and fcntl (macOS).
     *
     * @return the new descriptor, or -1 when none is pending
     */
    public static int accept(int fd, long address, long lengthPointer) throws IOException {
        for (;;) {
            int accepted = SOCK_FLAGS != 0 ? LIBC.accept4(fd, address, lengthPointer, SOCK_FLAGS)
                    : LIBC.accept(fd, address, lengthPointer);
            if (accepted >= 0) {
                return prepared(accepted, SOCK_FLAGS != 0);
            }
            int errno = errno();
            if (errno == EAGAIN) {
                return -1;
            }
            if (errno != EINTR) {
                throw error(SOCK_FLAGS != 0 ? "accept4" : "accept", errno);
            }
        }
    }

    /**
     * Finishes a new socket: non-blocking and close-on-exec unless the call that made it did
     * that already, then SO_NOSIGPIPE where the kernel has it. Closes it if that fails. On macOS
     * a descriptor made by another thread's fork between the two calls may keep the socket (the
     * JDK's process launch closes inherited descriptors, so only native forks can).
     */
    private static int prepared(int fd, boolean flagged) throws IOException {
        if (flagged && SO_NOSIGPIPE == PosixConstants.NONE) {
            return fd;
        }
        try {
            if (!flagged) {
                // A new socket has no other status flag to keep, so no F_GETFL.
                retried("fcntl(F_SETFL)", fd, F_SETFL, O_NONBLOCK);
                retried("fcntl(F_SETFD)", fd, F_SETFD, FD_CLOEXEC);
            }
            if (SO_NOSIGPIPE != PosixConstants.NONE) {
                check("setsockopt(SO_NOSIGPIPE)", LIBC.setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, ONE_ADDRESS, 4));
            }
            return fd;
        } catch (IOException e) {
            LIBC.close(fd);
            throw e;
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

    /** A jnr-ffi Pointer to native memory the caller owns, made once and reused (for {@link #sendfile}). */
    public static Pointer pointer(long address) {
        return Pointer.wrap(RUNTIME, address);
    }

    /**
     * Zero-copy send of up to {@code count} bytes from a file; the file offset (an {@code off_t})
     * is read from and advanced at {@code offset} (8 bytes of native memory, see
     * {@link #pointer}); the file's own position is untouched. The kernel's own sendfile
     * (LINUX, FREEBSD or MACOS shape, {@link PosixConstants.Sendfile}); on the BSDs the bytes
     * sent before EAGAIN or EINTR count.
     *
     * @return bytes sent, 0 when the socket takes none now (or the file has no more), or
     *         {@link #SENDFILE_UNSUPPORTED} when the kernel cannot send a file to this socket
     */
    public static long sendfile(int socketFd, int fileFd, Pointer offset, long count) throws IOException {
        if (count <= 0) {
            return 0; // to the BSDs 0 means "up to the end of the file"
        }
        long at = offset.address();
        long from = NativeMemory.getLong(at);
        for (;;) {
            long sent;
            if (SENDFILE == PosixConstants.Sendfile.LINUX) {
                long n = LIBC.sendfileLinux(socketFd, fileFd, offset, count);
                sent = n >= 0 ? n : sendfileFailure(errno(), 0);
            } else {
                // One word is the offset in and out, and meanwhile *len (macOS) or *sbytes (FreeBSD).
                int result;
                if (SENDFILE == PosixConstants.Sendfile.MACOS) {
                    NativeMemory.putLong(at, count);
                    result = LIBC.sendfileMacos(fileFd, socketFd, from, offset, null, 0);
                } else {
                    NativeMemory.putLong(at, 0);
                    result = LIBC.sendfileFreeBsd(fileFd, socketFd, from, count, null, offset, 0);
                }
                long reported = NativeMemory.getLong(at);
                NativeMemory.putLong(at, from);
                sent = result == 0 ? reported : sendfileFailure(errno(), reported);
                if (sent > 0) {
                    NativeMemory.putLong(at, from + sent);
                }
            }
            if (sent != RETRY) {
                return sent;
            }
        }
    }

    /**
     * What a failed sendfile comes to, given the bytes it reports sent (always 0 on Linux): those
     * bytes after EAGAIN, or after EINTR if any (else {@link #RETRY}); {@link #SENDFILE_UNSUPPORTED}
     * for a socket the kernel cannot sendfile to (ENOTSUP, EOPNOTSUPP); otherwise the exception.
     */
    static long sendfileFailure(int errno, long reported) throws IOException {
        if (errno == EAGAIN) {
            return reported;
        }
        if (errno == EINTR) {
            return reported > 0 ? reported : RETRY;
        }
        if (errno == ENOTSUP || errno == EOPNOTSUPP) {
            return SENDFILE_UNSUPPORTED;
        }
        throw error("sendfile", errno);
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
