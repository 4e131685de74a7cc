package org.yimmo.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;
import jnr.constants.Constant;
import org.junit.jupiter.api.Test;
import org.yimmo.posix.PosixConstants.Os;
import org.yimmo.posix.PosixConstants.Sendfile;

/**
 * The numbers of each kernel against jnr-constants, named here directly (not by the strings the
 * code looks up), so that a wrong or swapped BSD number fails on Linux too; and the values the
 * running JVM uses against jnr-constants' resolution for this platform.
 */
class PosixConstantsTest {

    /** One C constant: how the table holds it, and its value as jnr-constants has it per platform. */
    private record Row(ToIntFunction<PosixConstants> field, Constant running, Constant linux, Constant darwin,
            Constant freebsd) {
    }

    private static Row row(ToIntFunction<PosixConstants> field, Constant... values) {
        return new Row(field, values[0], values[1], values[2], values[3]);
    }

    // Rows are long by design: the four platforms of one constant side by side.
    private static final List<Row> ROWS = List.of(
            row(t -> t.eintr, jnr.constants.platform.Errno.EINTR, jnr.constants.platform.linux.Errno.EINTR, jnr.constants.platform.darwin.Errno.EINTR, jnr.constants.platform.freebsd.Errno.EINTR),
            row(t -> t.eagain, jnr.constants.platform.Errno.EAGAIN, jnr.constants.platform.linux.Errno.EAGAIN, jnr.constants.platform.darwin.Errno.EAGAIN, jnr.constants.platform.freebsd.Errno.EAGAIN),
            row(t -> t.einval, jnr.constants.platform.Errno.EINVAL, jnr.constants.platform.linux.Errno.EINVAL, jnr.constants.platform.darwin.Errno.EINVAL, jnr.constants.platform.freebsd.Errno.EINVAL),
            row(t -> t.enomem, jnr.constants.platform.Errno.ENOMEM, jnr.constants.platform.linux.Errno.ENOMEM, jnr.constants.platform.darwin.Errno.ENOMEM, jnr.constants.platform.freebsd.Errno.ENOMEM),
            row(t -> t.enfile, jnr.constants.platform.Errno.ENFILE, jnr.constants.platform.linux.Errno.ENFILE, jnr.constants.platform.darwin.Errno.ENFILE, jnr.constants.platform.freebsd.Errno.ENFILE),
            row(t -> t.emfile, jnr.constants.platform.Errno.EMFILE, jnr.constants.platform.linux.Errno.EMFILE, jnr.constants.platform.darwin.Errno.EMFILE, jnr.constants.platform.freebsd.Errno.EMFILE),
            row(t -> t.epipe, jnr.constants.platform.Errno.EPIPE, jnr.constants.platform.linux.Errno.EPIPE, jnr.constants.platform.darwin.Errno.EPIPE, jnr.constants.platform.freebsd.Errno.EPIPE),
            row(t -> t.eproto, jnr.constants.platform.Errno.EPROTO, jnr.constants.platform.linux.Errno.EPROTO, jnr.constants.platform.darwin.Errno.EPROTO, jnr.constants.platform.freebsd.Errno.EPROTO),
            row(t -> t.enetunreach, jnr.constants.platform.Errno.ENETUNREACH, jnr.constants.platform.linux.Errno.ENETUNREACH, jnr.constants.platform.darwin.Errno.ENETUNREACH, jnr.constants.platform.freebsd.Errno.ENETUNREACH),
            row(t -> t.econnaborted, jnr.constants.platform.Errno.ECONNABORTED, jnr.constants.platform.linux.Errno.ECONNABORTED, jnr.constants.platform.darwin.Errno.ECONNABORTED, jnr.constants.platform.freebsd.Errno.ECONNABORTED),
            row(t -> t.econnreset, jnr.constants.platform.Errno.ECONNRESET, jnr.constants.platform.linux.Errno.ECONNRESET, jnr.constants.platform.darwin.Errno.ECONNRESET, jnr.constants.platform.freebsd.Errno.ECONNRESET),
            row(t -> t.enobufs, jnr.constants.platform.Errno.ENOBUFS, jnr.constants.platform.linux.Errno.ENOBUFS, jnr.constants.platform.darwin.Errno.ENOBUFS, jnr.constants.platform.freebsd.Errno.ENOBUFS),
            row(t -> t.etimedout, jnr.constants.platform.Errno.ETIMEDOUT, jnr.constants.platform.linux.Errno.ETIMEDOUT, jnr.constants.platform.darwin.Errno.ETIMEDOUT, jnr.constants.platform.freebsd.Errno.ETIMEDOUT),
            row(t -> t.econnrefused, jnr.constants.platform.Errno.ECONNREFUSED, jnr.constants.platform.linux.Errno.ECONNREFUSED, jnr.constants.platform.darwin.Errno.ECONNREFUSED, jnr.constants.platform.freebsd.Errno.ECONNREFUSED),
            row(t -> t.ehostunreach, jnr.constants.platform.Errno.EHOSTUNREACH, jnr.constants.platform.linux.Errno.EHOSTUNREACH, jnr.constants.platform.darwin.Errno.EHOSTUNREACH, jnr.constants.platform.freebsd.Errno.EHOSTUNREACH),
            row(t -> t.einprogress, jnr.constants.platform.Errno.EINPROGRESS, jnr.constants.platform.linux.Errno.EINPROGRESS, jnr.constants.platform.darwin.Errno.EINPROGRESS, jnr.constants.platform.freebsd.Errno.EINPROGRESS),
            row(t -> t.enotsup, jnr.constants.platform.Errno.ENOTSUP, jnr.constants.platform.linux.Errno.ENOTSUP, jnr.constants.platform.darwin.Errno.ENOTSUP, jnr.constants.platform.freebsd.Errno.ENOTSUP),
            row(t -> t.eopnotsupp, jnr.constants.platform.Errno.EOPNOTSUPP, jnr.constants.platform.linux.Errno.EOPNOTSUPP, jnr.constants.platform.darwin.Errno.EOPNOTSUPP, jnr.constants.platform.freebsd.Errno.EOPNOTSUPP),
            row(t -> t.afUnix, jnr.constants.platform.AddressFamily.AF_UNIX, jnr.constants.platform.linux.AddressFamily.AF_UNIX, jnr.constants.platform.darwin.AddressFamily.AF_UNIX, jnr.constants.platform.freebsd.AddressFamily.AF_UNIX),
            row(t -> t.afInet, jnr.constants.platform.AddressFamily.AF_INET, jnr.constants.platform.linux.AddressFamily.AF_INET, jnr.constants.platform.darwin.AddressFamily.AF_INET, jnr.constants.platform.freebsd.AddressFamily.AF_INET),
            row(t -> t.afInet6, jnr.constants.platform.AddressFamily.AF_INET6, jnr.constants.platform.linux.AddressFamily.AF_INET6, jnr.constants.platform.darwin.AddressFamily.AF_INET6, jnr.constants.platform.freebsd.AddressFamily.AF_INET6),
            row(t -> t.sockStream, jnr.constants.platform.Sock.SOCK_STREAM, jnr.constants.platform.linux.Sock.SOCK_STREAM, jnr.constants.platform.darwin.Sock.SOCK_STREAM, jnr.constants.platform.freebsd.Sock.SOCK_STREAM),
            row(t -> t.solSocket, jnr.constants.platform.SocketLevel.SOL_SOCKET, jnr.constants.platform.linux.SocketLevel.SOL_SOCKET, jnr.constants.platform.darwin.SocketLevel.SOL_SOCKET, jnr.constants.platform.freebsd.SocketLevel.SOL_SOCKET),
            row(t -> t.soReuseaddr, jnr.constants.platform.SocketOption.SO_REUSEADDR, jnr.constants.platform.linux.SocketOption.SO_REUSEADDR, jnr.constants.platform.darwin.SocketOption.SO_REUSEADDR, jnr.constants.platform.freebsd.SocketOption.SO_REUSEADDR),
            row(t -> t.soError, jnr.constants.platform.SocketOption.SO_ERROR, jnr.constants.platform.linux.SocketOption.SO_ERROR, jnr.constants.platform.darwin.SocketOption.SO_ERROR, jnr.constants.platform.freebsd.SocketOption.SO_ERROR),
            row(t -> t.soReuseport, jnr.constants.platform.SocketOption.SO_REUSEPORT, jnr.constants.platform.linux.SocketOption.SO_REUSEPORT, jnr.constants.platform.darwin.SocketOption.SO_REUSEPORT, jnr.constants.platform.freebsd.SocketOption.SO_REUSEPORT),
            row(t -> t.soAcceptconn, jnr.constants.platform.SocketOption.SO_ACCEPTCONN, jnr.constants.platform.linux.SocketOption.SO_ACCEPTCONN, jnr.constants.platform.darwin.SocketOption.SO_ACCEPTCONN, jnr.constants.platform.freebsd.SocketOption.SO_ACCEPTCONN),
            row(t -> t.ipprotoTcp, jnr.constants.platform.IPProto.IPPROTO_TCP, jnr.constants.platform.linux.IPProto.IPPROTO_TCP, jnr.constants.platform.darwin.IPProto.IPPROTO_TCP, jnr.constants.platform.freebsd.IPProto.IPPROTO_TCP),
            row(t -> t.tcpNodelay, jnr.constants.platform.TCP.TCP_NODELAY, jnr.constants.platform.linux.TCP.TCP_NODELAY, jnr.constants.platform.darwin.TCP.TCP_NODELAY, jnr.constants.platform.freebsd.TCP.TCP_NODELAY),
            row(t -> t.shutWr, jnr.constants.platform.Shutdown.SHUT_WR, jnr.constants.platform.linux.Shutdown.SHUT_WR, jnr.constants.platform.darwin.Shutdown.SHUT_WR, jnr.constants.platform.freebsd.Shutdown.SHUT_WR),
            row(t -> t.fSetfd, jnr.constants.platform.Fcntl.F_SETFD, jnr.constants.platform.linux.Fcntl.F_SETFD, jnr.constants.platform.darwin.Fcntl.F_SETFD, jnr.constants.platform.freebsd.Fcntl.F_SETFD),
            row(t -> t.fGetfl, jnr.constants.platform.Fcntl.F_GETFL, jnr.constants.platform.linux.Fcntl.F_GETFL, jnr.constants.platform.darwin.Fcntl.F_GETFL, jnr.constants.platform.freebsd.Fcntl.F_GETFL),
            row(t -> t.fSetfl, jnr.constants.platform.Fcntl.F_SETFL, jnr.constants.platform.linux.Fcntl.F_SETFL, jnr.constants.platform.darwin.Fcntl.F_SETFL, jnr.constants.platform.freebsd.Fcntl.F_SETFL),
            row(t -> t.oNonblock, jnr.constants.platform.OpenFlags.O_NONBLOCK, jnr.constants.platform.linux.OpenFlags.O_NONBLOCK, jnr.constants.platform.darwin.OpenFlags.O_NONBLOCK, jnr.constants.platform.freebsd.OpenFlags.O_NONBLOCK));

    @Test
    void shouldTakeEachKernelsNumbersFromItsJnrConstantsClasses() {
        PosixConstants linux = PosixConstants.of(Os.LINUX);
        PosixConstants macos = PosixConstants.of(Os.MACOS);
        PosixConstants freebsd = PosixConstants.of(Os.FREEBSD);
        for (Row row : ROWS) {
            String name = row.linux().name();
            assertEquals(List.of(name, name, name), List.of(row.darwin().name(), row.freebsd().name(), row.running().name()));
            assertEquals(row.linux().intValue(), row.field().applyAsInt(linux), "Linux " + name);
            assertEquals(row.darwin().intValue(), row.field().applyAsInt(macos), "macOS " + name);
            assertEquals(row.freebsd().intValue(), row.field().applyAsInt(freebsd), "FreeBSD " + name);
        }
    }

    @Test
    void shouldUseTheNumbersJnrConstantsResolvesForTheRunningPlatform() {
        for (Row row : ROWS) {
            assertEquals(row.running().intValue(), row.field().applyAsInt(Posix.PLATFORM), row.running().name());
        }
        assertEquals(jnr.constants.platform.Errno.EAGAIN.intValue(), Posix.EAGAIN);
        assertEquals(jnr.constants.platform.AddressFamily.AF_INET6.intValue(), Posix.AF_INET6);
        assertEquals(jnr.constants.platform.SocketLevel.SOL_SOCKET.intValue(), Posix.SOL_SOCKET);
        assertEquals(jnr.constants.platform.OpenFlags.O_NONBLOCK.intValue(), Posix.O_NONBLOCK);
        assertEquals(Os.current(), Posix.PLATFORM.os());
    }

    @Test
    void shouldUseLinuxsNumbersOnLinux() {
        String osName = System.getProperty("os.name");
        assertEquals(osName.startsWith("Linux"), Posix.PLATFORM.os() == Os.LINUX, osName);
        if (Posix.PLATFORM.os() == Os.LINUX) {
            assertEquals(11, Posix.EAGAIN);
            assertEquals(115, Posix.EINPROGRESS);
            assertEquals(10, Posix.AF_INET6);
            assertEquals(1, Posix.SOL_SOCKET);
            assertEquals(0x800, Posix.O_NONBLOCK);
            assertEquals(PosixConstants.NONE, Posix.SO_NOSIGPIPE);
        }
    }

    @Test
    void shouldKnowWhichKernelsTakeSocketTypeFlags() {
        PosixConstants linux = PosixConstants.of(Os.LINUX);
        assertTrue(linux.hasSocketTypeFlags());
        assertEquals(jnr.constants.platform.linux.Sock.SOCK_NONBLOCK.intValue(), linux.sockNonblock);
        assertEquals(jnr.constants.platform.linux.Sock.SOCK_CLOEXEC.intValue(), linux.sockCloexec);

        // FreeBSD has them (and accept4) since 10, but jnr-constants does not: the table's numbers.
        assertFalse(names(jnr.constants.platform.freebsd.Sock.values()).contains("SOCK_NONBLOCK"));
        PosixConstants freebsd = PosixConstants.of(Os.FREEBSD);
        assertTrue(freebsd.hasSocketTypeFlags());
        assertEquals(0x20000000, freebsd.sockNonblock);
        assertEquals(0x10000000, freebsd.sockCloexec);

        assertFalse(names(jnr.constants.platform.darwin.Sock.values()).contains("SOCK_NONBLOCK"));
        assertFalse(PosixConstants.of(Os.MACOS).hasSocketTypeFlags(), "macOS: accept and fcntl");
    }

    @Test
    void shouldSetNoSigpipeOnlyWhereTheKernelHasIt() {
        assertEquals(PosixConstants.NONE, PosixConstants.of(Os.LINUX).soNosigpipe);
        assertEquals(jnr.constants.platform.darwin.SocketOption.SO_NOSIGPIPE.intValue(), PosixConstants.of(Os.MACOS).soNosigpipe);
        assertEquals(0x1022, PosixConstants.of(Os.MACOS).soNosigpipe);
        assertEquals(jnr.constants.platform.freebsd.SocketOption.SO_NOSIGPIPE.intValue(),
                PosixConstants.of(Os.FREEBSD).soNosigpipe);
    }

    @Test
    void shouldKnowEachKernelsSockaddrAndSendfile() {
        assertFalse(PosixConstants.of(Os.LINUX).sockaddrLength());
        assertTrue(PosixConstants.of(Os.MACOS).sockaddrLength());
        assertTrue(PosixConstants.of(Os.FREEBSD).sockaddrLength());
        assertEquals(List.of(108, 104, 104), Arrays.stream(Os.values()).map(os -> PosixConstants.of(os).unixPathSize()).toList());
        assertEquals(List.of(Sendfile.LINUX, Sendfile.MACOS, Sendfile.FREEBSD),
                Arrays.stream(Os.values()).map(os -> PosixConstants.of(os).sendfile()).toList());
    }

    private static List<String> names(Enum<?>[] constants) {
        return Arrays.stream(constants).map(Enum::name).toList();
    }
}
