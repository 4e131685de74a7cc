package org.yimmo.posix;

import java.io.IOException;
import java.lang.ref.Reference;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.reactor.EventLoop;
import org.yimmo.core.reactor.Reactor;

/**
 * A stream socket on a raw descriptor: what the native backends' connections share (the
 * lifecycle, I/O through {@link SocketIo}, connect, half-close, close). A backend adds how
 * interest reaches its kernel (epoll_ctl, a kevent changelist) and how events come back.
 *
 * <p>Threading: reactor thread only, but for {@link #close()}, {@link #isOpen()} and the
 * addresses. Lifecycle bits live in one volatile int changed by CAS, so close is idempotent
 * whichever thread gets there first; the descriptor itself is closed on the reactor thread only,
 * so no other thread can race a reuse of its number.
 *
 * <p>Direct buffers are read and written in place (address + position); heap buffers go through
 * the reactor's native copy buffer, at most {@link SocketIo#COPY_SIZE} bytes per call.
 * Interest follows the select backend: read interest unless paused or at end of stream, write
 * interest one-shot.
 */
public abstract class DescriptorConnection implements Connection, EventLoop.ClosedNotice {

    private static final Logger log = LoggerFactory.getLogger(DescriptorConnection.class);

    private static final int CLOSED = 1;
    private static final int INPUT_SHUTDOWN = 1 << 1;
    private static final int OUTPUT_SHUTDOWN = 1 << 2;
    private static final AtomicIntegerFieldUpdater<DescriptorConnection> STATE =
            AtomicIntegerFieldUpdater.newUpdater(DescriptorConnection.class, "state");

    private final DescriptorReactor reactor;
    protected final int fd;
    private final SocketAddress remoteAddress;
    private volatile SocketAddress localAddress;
    /** True while a connect is in progress; a connect that failed at once keeps its cause below. */
    protected boolean connecting;
    private IOException connectFailure;
    protected ConnectionHandler handler;
    private volatile int state;
    protected boolean readPaused;
    protected boolean writeRequested;
    private Throwable closeCause;
    private WritableByteChannel asChannel;

    protected DescriptorConnection(DescriptorReactor reactor, int fd, SocketAddress remoteAddress, SocketAddress localAddress) {
        this.reactor = reactor;
        this.fd = fd;
        this.remoteAddress = remoteAddress;
        this.localAddress = localAddress;
    }

    // ---------------------------------------------------------------- what a backend supplies

    /** Enters the reactor's table of descriptors. */
    protected abstract void enterTable();

    /** The wanted interest changed (pause, resume, a write request, end of stream). */
    protected abstract void interestChanged();

    /** Brings the kernel's interest to what is wanted now. */
    protected abstract void updateInterest() throws IOException;

    /** Before the descriptor closes: leaves the kernel's interest set and the reactor's table. */
    protected abstract void leave();

    /** After the descriptor closed: the reactor tells the handler after the current callback. */
    protected abstract void queueClosedNotice();

    // ---------------------------------------------------------------- lifecycle, reactor thread

    /** Starts a non-blocking connect to the remote address; a failure at once is reported at {@link #register}. */
    protected final void startConnect() {
        ByteBuffer address = NativeMemory.allocate(SocketAddresses.SIZE);
        try {
            int length = SocketAddresses.encode(remoteAddress, address);
            connecting = !Posix.connect(fd, NativeMemory.address(address), length);
        } catch (IOException e) {
            // Reported through onClosed, as a connect that fails later is.
            connectFailure = e;
        } finally {
            Reference.reachabilityFence(address);
        }
    }

    public final void setHandler(ConnectionHandler handler) {
        this.handler = handler;
    }

    /** Enters the reactor and the kernel's set; tells the handler it is open unless a connect is pending. */
    public final void register() {
        if (!isOpen()) {
            return;
        }
        enterTable();
        try {
            if (connectFailure != null) {
                throw connectFailure;
            }
            updateInterest();
            if (!connecting) {
                localAddress();
                handler.onOpen(this);
            }
        } catch (Throwable t) {
            closeWith(t);
        }
    }

    /** The connect in progress finished: its outcome, then the handler hears it is open. */
    protected final void finishConnect() throws IOException {
        int error = Posix.getIntOption(fd, Posix.SOL_SOCKET, Posix.SO_ERROR, reactor.scratchAddress());
        if (error != 0) {
            throw Posix.error("connect", error);
        }
        connecting = false;
        updateInterest();
        localAddress();
        handler.onOpen(this);
    }

    public final int fd() {
        return fd;
    }

    @Override
    public Reactor reactor() {
        return reactor;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int n = reactor.io().read(fd, dst);
        if (n < 0) {
            setBits(INPUT_SHUTDOWN);
            interestChanged();
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        return reactor.io().write(fd, src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        ensureOpen();
        return reactor.io().write(fd, srcs, offset, length);
    }

    @Override
    public long transferFrom(FileChannel file, long position, long count) throws IOException {
        ensureOpen();
        return reactor.io().transferFrom(fd, file, position, count, asChannel());
    }

    private WritableByteChannel asChannel() {
        if (asChannel == null) {
            asChannel = new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) throws IOException {
                    return DescriptorConnection.this.write(src);
                }

                @Override
                public boolean isOpen() {
                    return DescriptorConnection.this.isOpen();
                }

                @Override
                public void close() {
                    DescriptorConnection.this.close();
                }
            };
        }
        return asChannel;
    }

    @Override
    public void requestWritable() {
        if (!writeRequested) {
            writeRequested = true;
            interestChanged();
        }
    }

    @Override
    public void pauseReading() {
        if (!readPaused) {
            readPaused = true;
            interestChanged();
        }
    }

    @Override
    public void resumeReading() {
        if (readPaused) {
            readPaused = false;
            interestChanged();
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        ensureOpen();
        if (setBits(OUTPUT_SHUTDOWN)) {
            Posix.shutdown(fd, Posix.SHUT_WR);
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
    public final void closeWith(Throwable cause) {
        if (!setBits(CLOSED)) {
            return;
        }
        closeCause = cause;
        leave();
        if (!connecting && connectFailure == null && (state & OUTPUT_SHUTDOWN) == 0) {
            // As the JDK does for a registered channel: send our FIN before closing, so a peer
            // still sending gets end of stream rather than a reset for the bytes we leave unread.
            try {
                Posix.shutdown(fd, Posix.SHUT_WR);
            } catch (IOException e) {
                log.trace("shutdown before closing {} failed", this, e);
            }
        }
        try {
            Posix.close(fd);
        } catch (IOException e) {
            log.debug("closing {} failed", remoteAddress, e);
        }
        queueClosedNotice();
    }

    /** Reactor thread, after the callback that closed it: tells the handler. */
    @Override
    public final void notifyClosed() {
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
        SocketAddress local = localAddress;
        if (local == null && isOpen()) {
            // Dialled out: bound by the kernel during connect. Rare, so a fresh buffer is fine.
            ByteBuffer address = NativeMemory.allocate(SocketAddresses.SIZE + 8);
            long base = NativeMemory.address(address);
            try {
                NativeMemory.putInt(base + SocketAddresses.SIZE, SocketAddresses.SIZE);
                Posix.getsockname(fd, base, base + SocketAddresses.SIZE);
                local = SocketAddresses.decode(address, address.getInt(SocketAddresses.SIZE));
                localAddress = local;
            } catch (IOException e) {
                log.debug("getsockname of {} failed", this, e);
            } finally {
                Reference.reachabilityFence(address);
            }
        }
        return local;
    }

    private void ensureOpen() throws ClosedChannelException {
        // The number may already belong to another socket once closed: never touch it then.
        if ((state & CLOSED) != 0) {
            throw new ClosedChannelException();
        }
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

    @Override
    public String toString() {
        return "connection " + remoteAddress + (isOpen() ? "" : " (closed)");
    }
}
