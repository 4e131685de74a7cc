package org.yimmo.reactor.select;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.reactor.EventLoopConnection;
import org.yimmo.core.reactor.Reactor;

/**
 * A socket channel registered with a {@link SelectReactor}.
 *
 * <p>Threading: reactor thread only, but for {@link #close()}, {@link #isOpen()} and the
 * addresses (the lifecycle is {@link EventLoopConnection}'s).
 */
final class SelectConnection extends EventLoopConnection implements SelectReactor.SelectChannel {

    private static final Logger log = LoggerFactory.getLogger(SelectConnection.class);

    private final SelectReactor reactor;
    private final SocketChannel channel;
    /** Non-null while a non-blocking connect is in progress. */
    private SocketAddress connectingTo;
    private final SocketAddress localAddressAtOpen;
    private SelectionKey key;
    private boolean readPaused;
    private boolean writeRequested;
    private int interestOps = -1;

    SelectConnection(SelectReactor reactor, SocketChannel channel, SocketAddress connectingTo) throws IOException {
        super(connectingTo != null ? connectingTo : channel.getRemoteAddress());
        this.reactor = reactor;
        this.channel = channel;
        this.connectingTo = connectingTo;
        this.localAddressAtOpen = channel.getLocalAddress();
    }

    /** Registers with the selector; tells the handler it is open unless a connect is pending. */
    void register() {
        try {
            key = channel.register(reactor.selector(), 0, this);
            updateInterest();
            if (connectingTo == null) {
                handler.onOpen(this);
            }
        } catch (Throwable t) {
            closeWith(t);
        }
    }

    @Override
    public void onReady(int readyOps) {
        try {
            if ((readyOps & SelectionKey.OP_CONNECT) != 0 && connectingTo != null) {
                channel.finishConnect();
                connectingTo = null;
                updateInterest();
                handler.onOpen(this);
            }
            if ((readyOps & SelectionKey.OP_WRITE) != 0 && writeRequested && isOpen()) {
                writeRequested = false;
                updateInterest();
                handler.onWritable(this);
            }
            if ((readyOps & SelectionKey.OP_READ) != 0 && !readPaused && isOpen() && !isInputShutdown()) {
                handler.onReadable(this);
            }
        } catch (Throwable t) {
            closeWith(t);
        }
    }

    @Override
    public Reactor reactor() {
        return reactor;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = channel.read(dst);
        if (n < 0) {
            setBits(INPUT_SHUTDOWN);
            updateInterest();
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return channel.write(srcs, offset, length);
    }

    @Override
    public long transferFrom(FileChannel file, long position, long count) throws IOException {
        return file.transferTo(position, count, channel);
    }

    @Override
    public void requestWritable() {
        if (!writeRequested) {
            writeRequested = true;
            updateInterest();
        }
    }

    @Override
    public void pauseReading() {
        if (!readPaused) {
            readPaused = true;
            updateInterest();
        }
    }

    @Override
    public void resumeReading() {
        if (readPaused) {
            readPaused = false;
            updateInterest();
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        if (setBits(OUTPUT_SHUTDOWN)) {
            channel.shutdownOutput();
        }
    }

    /** Cancels the key and closes the channel; the reactor tells the handler after the current callback. */
    @Override
    protected void release() {
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {} failed", remoteAddress(), e);
        }
        reactor.closed(this);
    }

    @Override
    public SocketAddress localAddress() {
        return localAddressAtOpen;
    }

    private void updateInterest() {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = 0;
        if (connectingTo != null) {
            ops = SelectionKey.OP_CONNECT;
        } else {
            if (!readPaused && !isInputShutdown()) {
                ops |= SelectionKey.OP_READ;
            }
            if (writeRequested) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        if (ops != interestOps) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    @Override
    public String toString() {
        return "connection " + remoteAddress() + (isOpen() ? "" : " (closed)");
    }
}
