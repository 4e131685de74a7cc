package org.yimmo.posix;

import java.io.IOException;
import java.lang.ref.Reference;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.yimmo.core.net.ListenAddress;

/**
 * A non-blocking listening socket on a raw descriptor, opened for a {@link ListenAddress}: bound
 * and listening for {@code host:port} and {@code unix:/path} (a stale socket file nobody accepts
 * on is replaced; a live one is an error), or adopted from the parent for {@code fd://N} and
 * systemd (checked to be listening). Shared by the native reactors; opened on the caller's
 * thread, so errors reach the caller.
 *
 * @param fd              the descriptor, non-blocking and close-on-exec
 * @param localAddress    the bound address (with the real port when port 0 was asked for)
 * @param ownedSocketFile the unix socket file this process created (to remove at close), or null
 */
public record ListeningSocket(int fd, SocketAddress localAddress, Path ownedSocketFile) {

    /** Binds or adopts the socket for {@code address}; errors name the address. */
    public static ListeningSocket open(ListenAddress address, int backlog) throws IOException {
        ByteBuffer memory = NativeMemory.allocate(SocketAddresses.SIZE + 16);
        long base = NativeMemory.address(memory);
        long option = base + SocketAddresses.SIZE + 8;
        try {
            if (address instanceof ListenAddress.Inherited inherited) {
                return adopt(inherited, memory);
            }
            SocketAddress target;
            Path ownedSocketFile = null;
            if (address instanceof ListenAddress.Tcp tcp) {
                target = tcp.toSocketAddress();
                if (((InetSocketAddress) target).isUnresolved()) {
                    throw new IOException("cannot listen on " + address + ": unknown host " + tcp.host());
                }
            } else {
                Path path = ((ListenAddress.Unix) address).path();
                removeStaleSocket(path);
                target = UnixDomainSocketAddress.of(path);
                ownedSocketFile = path;
            }
            int length = SocketAddresses.encode(target, memory);
            int fd = Posix.streamSocket(SocketAddresses.family(target));
            try {
                if (ownedSocketFile == null) {
                    Posix.setIntOption(fd, Posix.SOL_SOCKET, Posix.SO_REUSEADDR, 1, option);
                    noDelay(fd, option);
                }
                Posix.bind(fd, base, length);
                Posix.listen(fd, backlog);
                SocketAddress local = ownedSocketFile != null ? target : SocketAddresses.localAddress(fd, memory);
                return new ListeningSocket(fd, local, ownedSocketFile);
            } catch (IOException | RuntimeException e) {
                Posix.close(fd);
                throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
            }
        } finally {
            Reference.reachabilityFence(memory);
        }
    }

    /** A descriptor from the parent: checked to be a listening socket, then used as it is. */
    private static ListeningSocket adopt(ListenAddress.Inherited inherited, ByteBuffer memory) throws IOException {
        int fd = inherited.fd();
        long option = NativeMemory.address(memory) + SocketAddresses.SIZE + 8;
        try {
            if (Posix.getIntOption(fd, Posix.SOL_SOCKET, Posix.SO_ACCEPTCONN, option) == 0) {
                throw new IOException("not listening");
            }
            Posix.makeNonBlockingAndCloseOnExec(fd);
            SocketAddress local = SocketAddresses.localAddress(fd, memory);
            if (local instanceof InetSocketAddress) {
                noDelay(fd, option);
            }
            return new ListeningSocket(fd, local, null);
        } catch (IOException e) {
            throw new IOException(inherited + " is not a listening socket: " + e.getMessage(), e);
        }
    }

    /**
     * TCP_NODELAY on the listening socket: Linux and the BSDs copy it to every connection
     * accepted from it, so each response goes out as soon as it is written, without a system call
     * per connection. A response written in parts (a WSGI app's head, then its chunks) would
     * otherwise wait for the client's delayed ACK (Nagle's algorithm), tens of milliseconds.
     */
    private static void noDelay(int fd, long scratch) throws IOException {
        Posix.setIntOption(fd, Posix.IPPROTO_TCP, Posix.TCP_NODELAY, 1, scratch);
    }

    /** A socket file nobody accepts on is left over from a dead server; a live one is an error. */
    private static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        if (Files.isRegularFile(path) || Files.isDirectory(path)) {
            throw new IOException("cannot listen on unix:" + path + ": a file that is not a socket is in the way");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            live = probe.isConnected();
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IOException("cannot listen on unix:" + path + ": another process is listening there");
        }
        Files.deleteIfExists(path);
    }
}
