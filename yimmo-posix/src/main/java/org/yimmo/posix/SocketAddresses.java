package org.yimmo.posix;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Java socket addresses to and from {@code struct sockaddr_in}, {@code sockaddr_in6} and
 * {@code sockaddr_un}, in a native-ordered direct buffer of at least {@link #SIZE} bytes (the
 * family in native order, ports and addresses in network order). Any thread; the buffer is the
 * caller's.
 */
public final class SocketAddresses {

    /** Room for any of the three structures (sockaddr_un is the largest, 110 bytes). */
    public static final int SIZE = 128;
    private static final int UNIX_PATH_MAX = 108;
    private static final Charset PATH_CHARSET = pathCharset();

    private SocketAddresses() {
    }

    private static Charset pathCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The family {@link #encode} will write for {@code address}. */
    public static int family(SocketAddress address) throws IOException {
        if (address instanceof UnixDomainSocketAddress) {
            return Posix.AF_UNIX;
        }
        if (address instanceof InetSocketAddress inet) {
            if (inet.isUnresolved()) {
                throw new UnknownHostException(inet.getHostString());
            }
            return inet.getAddress() instanceof Inet4Address ? Posix.AF_INET : Posix.AF_INET6;
        }
        throw new IOException("unsupported address type " + address.getClass().getName() + ": " + address);
    }

    /** Writes {@code address} at the start of {@code buffer}; returns the structure's length. */
    public static int encode(SocketAddress address, ByteBuffer buffer) throws IOException {
        int family = family(address);
        for (int i = 0; i < SIZE; i++) {
            buffer.put(i, (byte) 0);
        }
        buffer.putShort(0, (short) family);
        if (family == Posix.AF_UNIX) {
            byte[] path = ((UnixDomainSocketAddress) address).getPath().toString().getBytes(PATH_CHARSET);
            if (path.length >= UNIX_PATH_MAX) {
                throw new IOException("unix socket path is longer than " + (UNIX_PATH_MAX - 1) + " bytes: " + address);
            }
            buffer.put(2, path);
            return 2 + path.length + 1;
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        int port = inet.getPort();
        buffer.put(2, (byte) (port >>> 8));
        buffer.put(3, (byte) port);
        if (family == Posix.AF_INET) {
            buffer.put(4, inet.getAddress().getAddress());
            return 16;
        }
        Inet6Address v6 = (Inet6Address) inet.getAddress();
        buffer.put(8, v6.getAddress());
        buffer.putInt(24, v6.getScopeId());
        return 28;
    }

    /** Reads the address at the start of {@code buffer}, {@code length} bytes long. */
    public static SocketAddress decode(ByteBuffer buffer, int length) throws IOException {
        int family = buffer.getShort(0) & 0xffff;
        if (family == Posix.AF_UNIX) {
            int end = 2;
            while (end < Math.min(length, 2 + UNIX_PATH_MAX) && buffer.get(end) != 0) {
                end++;
            }
            byte[] path = new byte[end - 2];
            buffer.get(2, path);
            return UnixDomainSocketAddress.of(Path.of(new String(path, PATH_CHARSET)));
        }
        int port = ((buffer.get(2) & 0xff) << 8) | (buffer.get(3) & 0xff);
        if (family == Posix.AF_INET) {
            byte[] ip = new byte[4];
            buffer.get(4, ip);
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        }
        if (family == Posix.AF_INET6) {
            byte[] ip = new byte[16];
            buffer.get(8, ip);
            int scope = buffer.getInt(24);
            // An IPv4-mapped address comes back as the Inet4Address it stands for.
            InetAddress address = scope == 0 ? InetAddress.getByAddress(ip) : Inet6Address.getByAddress(null, ip, scope);
            return new InetSocketAddress(address, port);
        }
        throw new IOException("unsupported address family " + family);
    }

    /**
     * The address {@code fd} is bound to ({@code getsockname}), decoded through {@code memory}
     * (at least {@link #SIZE} + 8 bytes, native: the length goes after the address).
     */
    public static SocketAddress localAddress(int fd, ByteBuffer memory) throws IOException {
        long base = NativeMemory.address(memory);
        NativeMemory.putInt(base + SIZE, SIZE);
        Posix.getsockname(fd, base, base + SIZE);
        return decode(memory, memory.getInt(SIZE));
    }

    /** True for 0.0.0.0 and ::, whose accepted connections each have their own local address. */
    public static boolean isWildcard(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                && inet.getAddress().isAnyLocalAddress();
    }
}
