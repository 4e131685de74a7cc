package org.yimmo.reactor.epoll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.posix.SocketIo;

/** What the suite does not reach: the native copy paths of heap buffers in gathering writes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EpollConnectionTest {

    @Test
    void shouldKeepTheOrderOfHeapBuffersLargerThanTheCopyBufferMixedWithDirectOnes() throws Exception {
        byte[] expected = new byte[3 * SocketIo.COPY_SIZE + 12345];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (i * 7 + (i >>> 11));
        }
        Reactor reactor = new EpollReactorProvider().create(ReactorOptions.defaults());
        Thread loop = reactor.start("gathering");
        try {
            Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
                // heap (larger than the copy buffer), direct, heap, direct: a small one, then the rest
                final ByteBuffer[] parts = {
                    ByteBuffer.wrap(expected, 0, SocketIo.COPY_SIZE + 100).slice(),
                    ByteBuffer.allocateDirect(5000).put(expected, SocketIo.COPY_SIZE + 100, 5000).flip(),
                    ByteBuffer.wrap(expected, SocketIo.COPY_SIZE + 5100, 10).slice(),
                    ByteBuffer.allocateDirect(expected.length - SocketIo.COPY_SIZE - 5110)
                            .put(expected, SocketIo.COPY_SIZE + 5110, expected.length - SocketIo.COPY_SIZE - 5110)
                            .flip(),
                };

                @Override
                public void onOpen(Connection connection) throws IOException {
                    onWritable(connection);
                }

                @Override
                public void onReadable(Connection connection) {
                }

                @Override
                public void onWritable(Connection connection) throws IOException {
                    connection.write(parts, 0, parts.length);
                    if (parts[parts.length - 1].hasRemaining()) {
                        connection.requestWritable();
                    } else {
                        connection.close();
                    }
                }
            });
            try (Socket socket = new Socket()) {
                socket.connect((InetSocketAddress) listener.localAddress());
                assertArrayEquals(expected, socket.getInputStream().readAllBytes());
            }
        } finally {
            reactor.close();
            loop.join(10_000);
        }
    }
}
