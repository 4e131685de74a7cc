package org.yimmo.posix;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;
import org.yimmo.core.net.ListenAddress;

/**
 * What the kernel gives connections accepted from a {@link ListeningSocket}: TCP_NODELAY comes
 * with them, for a socket bound here and for one inherited from a parent without it.
 */
class ListeningSocketTest {

    private final ByteBuffer scratch = NativeMemory.allocate(SocketAddresses.SIZE + 16);
    private final long base = NativeMemory.address(scratch);

    @Test
    void connectionsAcceptedFromABoundSocketHaveNoDelay() throws Exception {
        ListeningSocket socket = ListeningSocket.open(new ListenAddress.Tcp("127.0.0.1", 0), 16);
        try {
            assertNotEquals(0, acceptedNoDelay(socket), "TCP_NODELAY on an accepted connection");
        } finally {
            Posix.close(socket.fd());
        }
    }

    @Test
    void connectionsAcceptedFromAnInheritedSocketHaveNoDelay() throws Exception {
        // A parent's socket without the option, as systemd or another server would hand it over.
        int fd = Posix.streamSocket(Posix.AF_INET);
        try {
            int length = SocketAddresses.encode(new InetSocketAddress("127.0.0.1", 0), scratch);
            Posix.bind(fd, base, length);
            Posix.listen(fd, 16);
            int before = Posix.getIntOption(fd, Posix.IPPROTO_TCP, Posix.TCP_NODELAY, base + SocketAddresses.SIZE);
            assertTrue(before == 0, "the parent's socket starts without TCP_NODELAY");
            ListeningSocket adopted = ListeningSocket.open(new ListenAddress.Inherited(fd), 16);
            assertNotEquals(0, acceptedNoDelay(adopted), "TCP_NODELAY on a connection from the inherited socket");
        } finally {
            Posix.close(fd);
        }
    }

    /** Connects to the socket, accepts, and returns the accepted connection's TCP_NODELAY. */
    private int acceptedNoDelay(ListeningSocket socket) throws IOException, InterruptedException {
        try (SocketChannel client = SocketChannel.open(socket.localAddress())) {
            int accepted = -1;
            for (int tries = 0; accepted < 0 && tries < 500; tries++) {
                accepted = Posix.accept(socket.fd(), 0, 0);
                if (accepted < 0) {
                    Thread.sleep(2);
                }
            }
            assertTrue(accepted >= 0, "the connection was accepted");
            try {
                return Posix.getIntOption(accepted, Posix.IPPROTO_TCP, Posix.TCP_NODELAY, base + SocketAddresses.SIZE);
            } finally {
                Posix.close(accepted);
            }
        }
    }
}
