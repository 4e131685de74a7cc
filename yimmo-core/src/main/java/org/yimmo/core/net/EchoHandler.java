package org.yimmo.core.net;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The echo protocol: writes back what it reads. The smallest complete protocol, used by the echo
 * example, the reactor conformance suite and the loopback benchmark.
 *
 * <p>Shows the habits every protocol on a reactor needs: back-pressure (while a write is
 * incomplete it stops reading and waits for a writable event) and holding a pooled buffer only
 * while bytes are in flight, so an idle connection costs no buffer. Closes at the peer's end of
 * stream. Reactor thread only, like every handler.
 */
public class EchoHandler implements ConnectionHandler {

    private ByteBuffer pending;

    @Override
    public void onReadable(Connection connection) throws IOException {
        ByteBuffer buffer = connection.reactor().buffers().acquire();
        int n = connection.read(buffer);
        if (n <= 0) {
            connection.reactor().buffers().release(buffer);
            if (n < 0) {
                connection.close();
            }
            return;
        }
        buffer.flip();
        connection.write(buffer);
        if (buffer.hasRemaining()) {
            pending = buffer;
            connection.pauseReading();
            connection.requestWritable();
        } else {
            connection.reactor().buffers().release(buffer);
        }
    }

    @Override
    public void onWritable(Connection connection) throws IOException {
        connection.write(pending);
        if (pending.hasRemaining()) {
            connection.requestWritable();
            return;
        }
        connection.reactor().buffers().release(pending);
        pending = null;
        connection.resumeReading();
    }

    @Override
    public void onClosed(Connection connection, Throwable cause) {
        if (pending != null) {
            connection.reactor().buffers().release(pending);
            pending = null;
        }
    }
}
