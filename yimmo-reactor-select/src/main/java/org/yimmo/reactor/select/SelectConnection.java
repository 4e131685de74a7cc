package org.yimmo.reactor.select;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.reactor.EventLoop;
import org.yimmo.core.reactor.Reactor;

/**
 * A socket channel registered with a {@link SelectReactor}.
 *
 * <p>Threading: reactor thread only, but for {@link #close()}, {@link #isOpen()} and the
 * addresses. Lifecycle bits live in one volatile int changed by CAS, so close is idempotent
 * whichever thread gets there first.
 */
final class SelectConnection implements Connection, SelectReactor.SelectChannel, EventLoop.ClosedNotice {

    private static final Logger log = LoggerFactory.getLogger(SelectConnection.class);

    private static final int CLOSED = 1;
    private static final int INPUT_SHUTDOWN = 1 << 1;
    private static final int OUTPUT_SHUTDOWN = 1 << 2;
    private static final AtomicIntegerFieldUpdater<SelectConnection> STATE =
            AtomicIntegerFieldUpdater.newUpdater(SelectConnection.class, "state");

    private final SelectReactor reactor;
    private final SocketChannel channel;
    /** Non-null while a non-blocking connect is in progress. */
    private SocketAddress connectingTo;
    private final SocketAddress remoteAddress;
    private final SocketAddress localAddressAtOpen;
    private ConnectionHandler handler;
    private SelectionKey key;
    private volatile int state;
    private boolean readPaused;
    private boolean writeRequested;
    private int interestOps = -1;
    private Throwable closeCause;

    SelectConnection(SelectReactor reactor, SocketChannel channel, SocketAddress connectingTo) throws IOException {
        this.reactor = reactor;
        this.channel = channel;
        this.connectingTo = connectingTo;
        this.remoteAddress = connectingTo != null ? connectingTo : channel.getRemoteAddress();
        this.localAddressAtOpen = channel.getLocalAddress();
    }

    void setHandler(ConnectionHandler handler) {
        this.handler = handler;
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

    @Override
    public void close() {
        if (reactor.inReactorThread()) {
            closeWith(null);
        } else if (isOpen()) {
            reactor.execute(() -> closeWith(null));
        }
    }

    /** Closes now, on the reactor thread; the handler hears of it after the current callback. */
    void closeWith(Throwable cause) {
        if (!setBits(CLOSED)) {
            return;
        }
        closeCause = cause;
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {} failed", remoteAddress, e);
        }
        reactor.closed(this);
    }

    @Override
    public void notifyClosed() {
        try {
            handler.onClosed(this, closeCause);
        } catch (Throwable t) {
            log.error("onClosed of {} failed", remoteAddress, t);
        }
    }

    @Override
    public boolean isOpen() {
        return (state & CLOSED) == 0;
    }

    @Override
    public boolean isInputShutdown() {
        return (state & INPUT_SHUTDOWN) != 0;
    }

    @Override
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public SocketAddress localAddress() {
        return localAddressAtOpen;
    }

    /** Sets bits; true if this call set any of them (so the caller acts exactly once). */
    private boolean setBits(int bits) {
        for (;;) {
            int current = state;
            if ((current & bits) == bits) {
                return false;
            }
            if (STATE.compareAndSet(this, current, current | bits)) {
                return true;
            }
        }
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
        return "connection " + remoteAddress + (isOpen() ? "" : " (closed)");
    }
}
