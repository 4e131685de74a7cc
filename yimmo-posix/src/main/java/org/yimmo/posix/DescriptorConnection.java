package org.yimmo.posix;

import java.io.IOException;
import java.lang.ref.Reference;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.reactor.EventLoopConnection;
import org.yimmo.core.reactor.Reactor;

/**
 * A stream socket on a raw descriptor: what the native backends' connections share (the
 * lifecycle, I/O through {@link SocketIo}, connect, half-close, close). A backend adds how
 * interest reaches its kernel (epoll_ctl, a kevent changelist) and how events come back.
 *
 * <p>Threading: reactor thread only, but for {@link #close()}, {@link #isOpen()} and the
 * addresses (the lifecycle is {@link EventLoopConnection}'s); the descriptor itself is closed on
 * the reactor thread only, so no other thread can race a reuse of its number.
 *
 * <p>Direct buffers are read and written in place (address + position); heap buffers go through
 * the reactor's native copy buffer, at most {@link SocketIo#COPY_SIZE} bytes per call.
 * Interest follows the select backend: read interest unless paused or at end of stream, write
 * interest one-shot.
 */
public abstract class DescriptorConnection extends EventLoopConnection {

    private static final Logger log = LoggerFactory.getLogger(DescriptorConnection.class);

    private final DescriptorReactor reactor;
    protected final int fd;
    private volatile SocketAddress localAddress;
    /** True while a connect is in progress; a connect that failed at once keeps its cause below. */
    protected boolean connecting;
    private IOException connectFailure;
    protected boolean readPaused;
    protected boolean writeRequested;
    private WritableByteChannel asChannel;

    protected DescriptorConnection(DescriptorReactor reactor, int fd, SocketAddress remoteAddress, SocketAddress localAddress) {
        super(remoteAddress);
        this.reactor = reactor;
        this.fd = fd;
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
            int length = SocketAddresses.encode(remoteAddress(), address);
            connecting = !Posix.connect(fd, NativeMemory.address(address), length);
        } catch (IOException e) {
            // Reported through onClosed, as a connect that fails later is.
            connectFailure = e;
        } finally {
            Reference.reachabilityFence(address);
        }
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

    /** Leaves the kernel's set, sends our FIN, closes the descriptor; the reactor tells the handler later. */
    @Override
    protected final void release() {
        leave();
        if (!connecting && connectFailure == null && !isOutputShutdown()) {
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
            log.debug("closing {} failed", remoteAddress(), e);
        }
        queueClosedNotice();
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
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "connection " + remoteAddress() + (isOpen() ? "" : " (closed)");
    }
}
