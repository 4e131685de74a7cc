package org.yimmo.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.posix.PosixConstants.Os;

/**
 * sockaddr at the byte level: the BSDs' header (sa_len, then a one-byte family) chosen
 * explicitly, so it is checked on Linux; Linux's two-byte family; and real addresses round-tripped
 * through the running kernel.
 */
class SocketAddressesTest {

    private final ByteBuffer buffer = NativeMemory.allocate(SocketAddresses.SIZE);

    private static SocketAddresses codec(Os os) {
        return new SocketAddresses(PosixConstants.of(os));
    }

    @ParameterizedTest
    @EnumSource(value = Os.class, names = {"MACOS", "FREEBSD"})
    void shouldWriteTheLengthByteThenTheFamilyByteOnTheBsds(Os os) throws IOException {
        PosixConstants numbers = PosixConstants.of(os);
        SocketAddresses bsd = codec(os);
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), 8080);
        assertEquals(16, bsd.write(v4, buffer));
        assertEquals(16, buffer.get(0), "sa_len");
        assertEquals(numbers.afInet, buffer.get(1), "sin_family");
        assertEquals(0x1f, buffer.get(2) & 0xff, "port, network order");
        assertEquals(0x90, buffer.get(3) & 0xff);
        assertEquals(0x0a010203, buffer.order(java.nio.ByteOrder.BIG_ENDIAN).getInt(4));
        buffer.order(java.nio.ByteOrder.nativeOrder());
        assertEquals(v4, bsd.read(buffer, 16));

        Inet6Address scoped = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3);
        InetSocketAddress v6 = new InetSocketAddress(scoped, 443);
        assertEquals(28, bsd.write(v6, buffer));
        assertEquals(28, buffer.get(0));
        assertEquals(numbers.afInet6, buffer.get(1), "28 on FreeBSD, 30 on macOS");
        assertEquals(0, buffer.getInt(4), "sin6_flowinfo");
        assertEquals(0xfe, buffer.get(8) & 0xff);
        assertEquals(1, buffer.get(23));
        assertEquals(3, buffer.getInt(24), "sin6_scope_id");
        assertEquals(v6, bsd.read(buffer, 28));

        Path path = Path.of("/tmp/yimmo.sock");
        assertEquals(2 + 15 + 1, bsd.write(UnixDomainSocketAddress.of(path), buffer));
        assertEquals(18, buffer.get(0));
        assertEquals(numbers.afUnix, buffer.get(1));
        assertEquals('/', buffer.get(2));
        assertEquals(0, buffer.get(17), "NUL-terminated");
        assertEquals(UnixDomainSocketAddress.of(path), bsd.read(buffer, 18));
    }

    @ParameterizedTest
    @EnumSource(value = Os.class, names = {"MACOS", "FREEBSD"})
    void shouldReadWhatABsdKernelWrites(Os os) throws IOException {
        PosixConstants numbers = PosixConstants.of(os);
        // ::ffff:127.0.0.1 port 80 as accept(2) fills sockaddr_in6 on a dual-stack socket.
        byte[] v6 = new byte[28];
        v6[0] = 28;
        v6[1] = (byte) numbers.afInet6;
        v6[3] = 80;
        v6[18] = (byte) 0xff;
        v6[19] = (byte) 0xff;
        v6[20] = 127;
        v6[23] = 1;
        buffer.put(0, v6);
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 80), codec(os).read(buffer, 28));

        // An unnamed unix peer: the kernel's sun_noname, full length, family set, empty path.
        byte[] unnamed = new byte[106];
        unnamed[0] = 106;
        unnamed[1] = (byte) numbers.afUnix;
        buffer.put(0, unnamed);
        assertEquals(UnixDomainSocketAddress.of(""), codec(os).read(buffer, 106));

        buffer.put(0, (byte) 16).put(1, (byte) 99);
        assertTrue(assertThrows(IOException.class, () -> codec(os).read(buffer, 16)).getMessage().contains("99"));
    }

    @Test
    void shouldWriteLinuxsTwoByteFamily() throws IOException {
        SocketAddresses linux = codec(Os.LINUX);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 5000);
        assertEquals(28, linux.write(v6, buffer));
        assertEquals(10, buffer.getShort(0), "AF_INET6, native order");
        assertEquals(v6, linux.read(buffer, 28));
    }

    @Test
    void shouldRefuseAUnixPathLongerThanTheKernelsSunPath() throws IOException {
        UnixDomainSocketAddress path104 = UnixDomainSocketAddress.of("/" + "p".repeat(103));
        IOException e = assertThrows(IOException.class, () -> codec(Os.FREEBSD).write(path104, buffer));
        assertTrue(e.getMessage().contains("longer than 103 bytes"), e.getMessage());
        assertThrows(IOException.class, () -> codec(Os.MACOS).write(path104, buffer));
        assertEquals(2 + 104 + 1, codec(Os.LINUX).write(path104, buffer), "Linux's sun_path has 108 bytes");
    }

    @Test
    void shouldRoundTripAddressesTheRunningKernelBound() throws IOException {
        Path dir = Files.createTempDirectory("yimmo-sockaddr");
        ListenAddress[] asked = {new ListenAddress.Tcp("127.0.0.1", 0), new ListenAddress.Tcp("::1", 0),
            new ListenAddress.Unix(dir.resolve("s"))};
        try {
            for (ListenAddress address : asked) {
                ListeningSocket socket = ListeningSocket.open(address, 8);
                try (SocketChannel client = SocketChannel.open(socket.localAddress())) {
                    assertEquals(socket.localAddress(), client.getRemoteAddress(), "getsockname decoded");
                    int length = SocketAddresses.encode(socket.localAddress(), buffer);
                    assertEquals(socket.localAddress(), SocketAddresses.decode(buffer, length));
                } finally {
                    Posix.close(socket.fd());
                }
            }
        } finally {
            Files.deleteIfExists(dir.resolve("s"));
            Files.delete(dir);
        }
    }
}
