package org.yimmo.posix;

import jnr.constants.Constant;
import jnr.constants.ConstantSet;

/**
 * The numbers yimmo-posix passes to and reads from one kernel: errno values, address families,
 * socket type flags, option levels and names, fcntl commands, plus the shapes that differ
 * (sockaddr layout, sendfile's signature, whether accept4 exists). Immutable; any thread.
 *
 * <p>Chosen once, at class initialisation of {@link Posix}, for the running OS; {@link #of} builds
 * the table of any of the three supported kernels, so tests on Linux can check the BSD tables.
 *
 * <p>Where jnr-constants (the generated per-platform tables jnr-posix uses) has a constant, the
 * value comes from it: from its resolution for the running platform (which knows the CPU
 * architecture) when the table is the running OS's, else from its per-OS classes
 * ({@code jnr.constants.platform.darwin.*}, {@code freebsd.*}, {@code linux.*}). Only what
 * jnr-constants 0.10.4 lacks is written here, in {@link Os}, each number with its header.
 */
public final class PosixConstants {

    /** A flag or option the kernel does not have. */
    static final int NONE = 0;

    /** 1 in {@code <fcntl.h>} of Linux, macOS and FreeBSD; jnr-constants has no FD_* set. */
    static final int FD_CLOEXEC = 1;

    /** How sendfile(2) is called, which differs in every kernel. */
    public enum Sendfile {
        /** {@code ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)}: advances *offset. */
        LINUX,
        /**
         * {@code int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *hdtr,
         * off_t *sbytes, int flags)}: bytes sent in *sbytes, also with -1 and EAGAIN or EINTR.
         */
        FREEBSD,
        /**
         * {@code int sendfile(int fd, int s, off_t offset, off_t *len, struct sf_hdtr *hdtr,
         * int flags)}: *len is the count in and the bytes sent out, also with -1 and EAGAIN or EINTR.
         */
        MACOS
    }

    /**
     * The kernels yimmo-posix speaks to, with what jnr-constants 0.10.4 does not know about them.
     * A socket-type flag of {@link #NONE} here means "take it from jnr-constants, or the kernel has
     * none": Linux's SOCK_NONBLOCK and SOCK_CLOEXEC are in jnr-constants, FreeBSD's are not, macOS
     * has none (so no accept4 either: accept, then fcntl).
     */
    public enum Os {
        /** sun_path[108] in {@code <sys/un.h>} (UNIX_PATH_MAX); sockaddr starts with a 2-byte family. */
        LINUX("linux", false, 108, NONE, NONE, Sendfile.LINUX),
        /** sun_path[104] in {@code <sys/un.h>}; sockaddr starts with sa_len, then a 1-byte family. */
        MACOS("darwin", true, 104, NONE, NONE, Sendfile.MACOS),
        /**
         * sun_path[104] in {@code <sys/un.h>}; sockaddr starts with sa_len, then a 1-byte family;
         * SOCK_CLOEXEC 0x10000000 and SOCK_NONBLOCK 0x20000000 in {@code <sys/socket.h>} (FreeBSD
         * 10 and later, with accept4).
         */
        FREEBSD("freebsd", true, 104, 0x20000000, 0x10000000, Sendfile.FREEBSD);

        final String jnrPackage;
        final boolean sockaddrLength;
        final int unixPathSize;
        final int sockNonblock;
        final int sockCloexec;
        final Sendfile sendfile;

        Os(String jnrPackage, boolean sockaddrLength, int unixPathSize, int sockNonblock, int sockCloexec,
                Sendfile sendfile) {
            this.jnrPackage = jnrPackage;
            this.sockaddrLength = sockaddrLength;
            this.unixPathSize = unixPathSize;
            this.sockNonblock = sockNonblock;
            this.sockCloexec = sockCloexec;
            this.sendfile = sendfile;
        }

        /** The running OS, or null when it is none of the three. */
        public static Os current() {
            return switch (jnr.ffi.Platform.getNativePlatform().getOS()) {
                case LINUX -> LINUX;
                case DARWIN -> MACOS;
                case FREEBSD -> FREEBSD;
                default -> null;
            };
        }
    }

    final Os os;

    // errno
    final int eintr;
    final int eagain;
    final int einval;
    final int enomem;
    final int enfile;
    final int emfile;
    final int epipe;
    final int eproto;
    final int enetunreach;
    final int econnaborted;
    final int econnreset;
    final int enobufs;
    final int etimedout;
    final int econnrefused;
    final int ehostunreach;
    final int einprogress;
    final int enotsup;
    final int eopnotsupp;

    // socket(2) and options
    final int afUnix;
    final int afInet;
    final int afInet6;
    final int sockStream;
    final int sockNonblock;
    final int sockCloexec;
    final int solSocket;
    final int soReuseaddr;
    final int soError;
    final int soReuseport;
    final int soAcceptconn;
    /** SO_NOSIGPIPE, or {@link #NONE} (Linux: no such option). */
    final int soNosigpipe;
    final int shutWr;
    final int ipprotoTcp;
    final int tcpNodelay;

    // fcntl(2)
    final int fSetfd;
    final int fGetfl;
    final int fSetfl;
    final int oNonblock;

    private PosixConstants(Os os, boolean running) {
        this.os = os;
        Lookup jnr = new Lookup(os, running);
        eintr = jnr.required("Errno", "EINTR");
        eagain = jnr.required("Errno", "EAGAIN");
        einval = jnr.required("Errno", "EINVAL");
        enomem = jnr.required("Errno", "ENOMEM");
        enfile = jnr.required("Errno", "ENFILE");
        emfile = jnr.required("Errno", "EMFILE");
        epipe = jnr.required("Errno", "EPIPE");
        eproto = jnr.required("Errno", "EPROTO");
        enetunreach = jnr.required("Errno", "ENETUNREACH");
        econnaborted = jnr.required("Errno", "ECONNABORTED");
        econnreset = jnr.required("Errno", "ECONNRESET");
        enobufs = jnr.required("Errno", "ENOBUFS");
        etimedout = jnr.required("Errno", "ETIMEDOUT");
        econnrefused = jnr.required("Errno", "ECONNREFUSED");
        ehostunreach = jnr.required("Errno", "EHOSTUNREACH");
        einprogress = jnr.required("Errno", "EINPROGRESS");
        enotsup = jnr.required("Errno", "ENOTSUP");
        eopnotsupp = jnr.required("Errno", "EOPNOTSUPP");
        afUnix = jnr.required("AddressFamily", "AF_UNIX");
        afInet = jnr.required("AddressFamily", "AF_INET");
        afInet6 = jnr.required("AddressFamily", "AF_INET6");
        sockStream = jnr.required("Sock", "SOCK_STREAM");
        sockNonblock = jnr.optional("Sock", "SOCK_NONBLOCK", os.sockNonblock);
        sockCloexec = jnr.optional("Sock", "SOCK_CLOEXEC", os.sockCloexec);
        solSocket = jnr.required("SocketLevel", "SOL_SOCKET");
        soReuseaddr = jnr.required("SocketOption", "SO_REUSEADDR");
        soError = jnr.required("SocketOption", "SO_ERROR");
        soReuseport = jnr.required("SocketOption", "SO_REUSEPORT");
        soAcceptconn = jnr.required("SocketOption", "SO_ACCEPTCONN");
        soNosigpipe = jnr.optional("SocketOption", "SO_NOSIGPIPE", NONE);
        shutWr = jnr.required("Shutdown", "SHUT_WR");
        ipprotoTcp = jnr.required("IPProto", "IPPROTO_TCP");
        tcpNodelay = jnr.required("TCP", "TCP_NODELAY");
        fSetfd = jnr.required("Fcntl", "F_SETFD");
        fGetfl = jnr.required("Fcntl", "F_GETFL");
        fSetfl = jnr.required("Fcntl", "F_SETFL");
        oNonblock = jnr.required("OpenFlags", "O_NONBLOCK");
    }

    /** The table of {@code os}; of the running platform's jnr-constants when it is the running OS. */
    public static PosixConstants of(Os os) {
        return new PosixConstants(os, os == Os.current());
    }

    public Os os() {
        return os;
    }

    /** True when sockaddr starts with a one-byte sa_len and a one-byte family (the BSDs). */
    boolean sockaddrLength() {
        return os.sockaddrLength;
    }

    /** Bytes of sockaddr_un's sun_path, the terminating NUL included. */
    int unixPathSize() {
        return os.unixPathSize;
    }

    /** True when socket(2) takes SOCK_NONBLOCK | SOCK_CLOEXEC in its type and accept4 exists. */
    boolean hasSocketTypeFlags() {
        return sockNonblock != NONE && sockCloexec != NONE;
    }

    Sendfile sendfile() {
        return os.sendfile;
    }

    /** Reads one jnr-constants set of one OS. */
    private static final class Lookup {
        private final Os os;
        private final boolean running;

        Lookup(Os os, boolean running) {
            this.os = os;
            this.running = running;
        }

        int required(String set, String name) {
            Constant constant = find(set, name);
            if (constant == null || !constant.defined()) {
                throw new IllegalStateException("jnr-constants has no " + set + "." + name + " for " + os);
            }
            return constant.intValue();
        }

        int optional(String set, String name, int otherwise) {
            Constant constant = find(set, name);
            return constant != null && constant.defined() ? constant.intValue() : otherwise;
        }

        private Constant find(String set, String name) {
            ConstantSet resolved = running ? ConstantSet.getConstantSet(set) : null;
            if (resolved != null) {
                return resolved.getConstant(name);
            }
            try {
                Class<?> type = Class.forName("jnr.constants.platform." + os.jnrPackage + "." + set);
                for (Object constant : type.getEnumConstants()) {
                    if (((Enum<?>) constant).name().equals(name)) {
                        return (Constant) constant;
                    }
                }
                return null;
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("jnr-constants has no " + set + " for " + os, e);
            }
        }
    }
}
