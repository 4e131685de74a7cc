package org.yimmo.core.net;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.yimmo.core.reactor.Reactor;

/**
 * One stream socket owned by one reactor.
 *
 * <p>Threading: reactor thread only, except {@link #close()}, {@link #isOpen()} and the
 * addresses, which any thread may call. Reads and writes never block; partial writes are normal
 * and the caller keeps what is left, asking for {@link #requestWritable()}.
 */
public interface Connection {

    Reactor reactor();

    /**
     * Reads into {@code dst}.
     *
     * @return bytes read, 0 when nothing is available, or -1 at the peer's end of stream (after
     *         which read interest is dropped: a half-closed peer is not announced again)
     * @throws IOException when the connection broke (for instance reset by the peer)
     */
    int read(ByteBuffer dst) throws IOException;

    /** Writes as much of {@code src} as the socket takes now. */
    int write(ByteBuffer src) throws IOException;

    /** Gathering write of as much of {@code srcs[offset..offset+length)} as the socket takes now. */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Sends up to {@code count} bytes of {@code file} from {@code position}, by zero-copy transfer
     * where the backend can.
     *
     * @return bytes sent now, possibly fewer than asked
     */
    long transferFrom(FileChannel file, long position, long count) throws IOException;

    /** Asks for one {@link ConnectionHandler#onWritable} call when the socket can take more. */
    void requestWritable();

    /** Stops announcing readable data until {@link #resumeReading()}; flow control for uploads. */
    void pauseReading();

    void resumeReading();

    /** Half-close: sends our end of stream; the peer may go on sending. */
    void shutdownOutput() throws IOException;

    /** Closes the descriptor; idempotent, from any thread. */
    void close();

    boolean isOpen();

    /** True once {@link #read} returned -1. */
    boolean isInputShutdown();

    SocketAddress remoteAddress();

    SocketAddress localAddress();
}
