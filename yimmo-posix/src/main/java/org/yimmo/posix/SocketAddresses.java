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
 * {@code sockaddr_un}, in a native-ordered direct buffer of at least {@link #SIZE} bytes (ports
 * and addresses in network order). The header is the running kernel's: Linux's starts with a
 * 2-byte family in native order, the BSDs' with a 1-byte {@code sa_len} and a 1-byte family; the
 * rest of the three structures is laid out alike (port at 2; IPv4 address at 4; flow info at 4,
 * IPv6 address at 8, scope at 24; path at 2), though sun_path is 108 bytes on Linux and 104 on
 * the BSDs. Any thread; the buffer is the caller's.
 */
public final class SocketAddresses {

    /** Room for any of the three structures (sockaddr_un is the largest, 110 bytes). */
    public static final int SIZE = 128;
    private static final int IPV4_LENGTH = 16;
    private static final int IPV6_LENGTH = 28;
    private static final int PATH_OFFSET = 2;
    private static final Charset PATH_CHARSET = pathCharset();
    private static final SocketAddresses NATIVE = new SocketAddresses(Posix.PLATFORM);

    private final boolean lengthByte;
    private final int unixPathSize;
    private final int afUnix;
    private final int afInet;
    private final int afInet6;

    /** The encoding of {@code platform}'s kernel; tests choose the BSDs' on Linux. */
    SocketAddresses(PosixConstants platform) {
        this.lengthByte = platform.sockaddrLength();
        this.unixPathSize = platform.unixPathSize();
        this.afUnix = platform.afUnix;
        this.afInet = platform.afInet;
        this.afInet6 = platform.afInet6;
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
        return NATIVE.familyOf(address);
    }

    /** Writes {@code address} at the start of {@code buffer}; returns the structure's length. */
    public static int encode(SocketAddress address, ByteBuffer buffer) throws IOException {
        return NATIVE.write(address, buffer);
    }

    /** Reads the address at the start of {@code buffer}, {@code length} bytes long. */
    public static SocketAddress decode(ByteBuffer buffer, int length) throws IOException {
        return NATIVE.read(buffer, length);
    }

    int familyOf(SocketAddress address) throws IOException {
        if (address instanceof UnixDomainSocketAddress) {
            return afUnix;
        }
        if (address instanceof InetSocketAddress inet) {
            if (inet.isUnresolved()) {
                throw new UnknownHostException(inet.getHostString());
            }
            return inet.getAddress() instanceof Inet4Address ? afInet : afInet6;
        }
        throw new IOException("unsupported address type " + address.getClass().getName() + ": " + address);
    }

    int write(SocketAddress address, ByteBuffer buffer) throws IOException {
        int family = familyOf(address);
        for (int i = 0; i < SIZE; i++) {
            buffer.put(i, (byte) 0);
        }
        int length;
        if (family == afUnix) {
            byte[] path = ((UnixDomainSocketAddress) address).getPath().toString().getBytes(PATH_CHARSET);
            if (path.length >= unixPathSize) {
                throw new IOException("unix socket path is longer than " + (unixPathSize - 1) + " bytes: " + address);
            }
            buffer.put(PATH_OFFSET, path);
            length = PATH_OFFSET + path.length + 1;
        } else {
            InetSocketAddress inet = (InetSocketAddress) address;
            int port = inet.getPort();
            buffer.put(2, (byte) (port >>> 8));
            buffer.put(3, (byte) port);
            if (family == afInet) {
                buffer.put(4, inet.getAddress().getAddress());
                length = IPV4_LENGTH;
            } else {
                Inet6Address v6 = (Inet6Address) inet.getAddress();
                buffer.put(8, v6.getAddress());
                buffer.putInt(24, v6.getScopeId());
                length = IPV6_LENGTH;
            }
        }
        if (lengthByte) {
            buffer.put(0, (byte) length);
            buffer.put(1, (byte) family);
        } else {
            buffer.putShort(0, (short) family);
        }
        return length;
    }

    SocketAddress read(ByteBuffer buffer, int length) throws IOException {
        int family = lengthByte ? buffer.get(1) & 0xff : buffer.getShort(0) & 0xffff;
        if (family == afUnix) {
            int end = PATH_OFFSET;
            while (end < Math.min(length, PATH_OFFSET + unixPathSize) && buffer.get(end) != 0) {
                end++;
            }
            byte[] path = new byte[end - PATH_OFFSET];
            buffer.get(PATH_OFFSET, path);
            return UnixDomainSocketAddress.of(Path.of(new String(path, PATH_CHARSET)));
        }
        int port = ((buffer.get(2) & 0xff) << 8) | (buffer.get(3) & 0xff);
        if (family == afInet) {
            byte[] ip = new byte[4];
            buffer.get(4, ip);
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        }
        if (family == afInet6) {
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
