package org.yimmo.reactor.kqueue;

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
import org.yimmo.core.reactor.Reactor;
import org.yimmo.posix.NativeMemory;
import org.yimmo.posix.Posix;
import org.yimmo.posix.SocketAddresses;

/**
 * A stream socket descriptor registered with an {@link KqueueReactor}.
 *
 * <p>Threading: reactor thread only, but for {@link #close()}, {@link #isOpen()} and the
 * addresses. Lifecycle bits live in one volatile int changed by CAS, so close is idempotent
 * whichever thread gets there first; the descriptor itself is closed on the reactor thread only,
 * so no other thread can race a reuse of its number.
 *
 * <p>Direct buffers are read and written in place (address + position); heap buffers go through
 * the reactor's native copy buffer, at most {@link org.yimmo.posix.SocketIo#COPY_SIZE} bytes per
 * call (SocketIo does the I/O for both native backends).
 * Interest follows the select backend: the read filter is enabled unless reading is paused or
 * at end of stream (then EV_DISABLE: a disabled filter reports nothing, not even EV_EOF, so the
 * loop cannot spin), the write filter is added with EV_ONESHOT per request, and the kernel
 * deletes it when the event is returned. Changes go to the reactor's changelist, not to the
 * kernel; the close of the descriptor drops its filters, so a close deletes nothing.
 *
 * <p>EV_EOF on the read filter is not a close: it is reported as readable, the handler reads the
 * bytes still buffered and then -1. EV_EOF on the write filter (peer gone, or a connect refused)
 * is reported as writable (or ends the connect), where the write or SO_ERROR gives the cause.
 */
final class KqueueConnection implements Connection, KqueueReactor.KqueueChannel {

    private static final Logger log = LoggerFactory.getLogger(KqueueConnection.class);

    private static final int CLOSED = 1;
    private static final int INPUT_SHUTDOWN = 1 << 1;
    private static final int OUTPUT_SHUTDOWN = 1 << 2;
    private static final AtomicIntegerFieldUpdater<KqueueConnection> STATE =
            AtomicIntegerFieldUpdater.newUpdater(KqueueConnection.class, "state");
    private static final int READ_NONE = 0;
    private static final int READ_ENABLED = 1;
    private static final int READ_DISABLED = 2;

    private final KqueueReactor reactor;
    private final int fd;
    private final SocketAddress remoteAddress;
    private volatile SocketAddress localAddress;
    /** True while a connect is in progress; a connect that failed at once keeps its cause below. */
    private boolean connecting;
    private IOException connectFailure;
    private ConnectionHandler handler;
    private volatile int state;
    private int id;
    private long data;
    /** The read filter as the kernel will have it once the changelist is applied. */
    private int readFilter = READ_NONE;
    /** A one-shot write filter is added and has not fired yet. */
    private boolean writeArmed;
    private boolean readPaused;
    private boolean writeRequested;
    private Throwable closeCause;
    private WritableByteChannel asChannel;

    KqueueConnection(KqueueReactor reactor, int fd, SocketAddress remoteAddress, SocketAddress localAddress) {
        this.reactor = reactor;
        this.fd = fd;
        this.remoteAddress = remoteAddress;
        this.localAddress = localAddress;
    }

    /** Opens a socket and starts a non-blocking connect, on the caller's thread. */
    static KqueueConnection connect(KqueueReactor reactor, SocketAddress remote) throws IOException {
        int family = SocketAddresses.family(remote);
        ByteBuffer address = NativeMemory.allocate(SocketAddresses.SIZE);
        int length = SocketAddresses.encode(remote, address);
        int fd = Posix.streamSocket(family);
        KqueueConnection connection = new KqueueConnection(reactor, fd, remote, null);
        try {
            connection.connecting = !Posix.connect(fd, NativeMemory.address(address), length);
        } catch (IOException e) {
            // Reported through onClosed, as a connect that fails later is.
            connection.connectFailure = e;
        } finally {
            Reference.reachabilityFence(address);
        }
        return connection;
    }

    void setHandler(ConnectionHandler handler) {
        this.handler = handler;
    }

    /** Enters the table and queues its filters; tells the handler it is open unless a connect is pending. */
    void register() {
        if (!isOpen()) {
            return;
        }
        data = reactor.register(this);
        id = (int) (data >>> 32);
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

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public void onReady(short filter, int flags, long data) {
        try {
            if (filter == KeventLayout.EVFILT_WRITE) {
                writeArmed = false; // EV_ONESHOT: the kernel deleted the filter as it returned the event
                if (connecting) {
                    finishConnect();
                } else if (writeRequested && isOpen()) {
                    writeRequested = false;
                    handler.onWritable(this);
                }
            } else if (filter == KeventLayout.EVFILT_READ && !readPaused && isOpen() && !isInputShutdown()) {
                // With EV_EOF too: data says how many bytes are still buffered; the handler reads
                // them, then -1.
                handler.onReadable(this);
            }
        } catch (Throwable t) {
            closeWith(t);
        }
    }

    @Override
    public void onError(short filter, int errno) {
        if (filter == KeventLayout.EVFILT_WRITE) {
            writeArmed = false;
        } else if (filter == KeventLayout.EVFILT_READ) {
            readFilter = READ_NONE;
        }
        closeWith(Posix.error("kevent", errno));
    }

    private void finishConnect() throws IOException {
        int error = Posix.getIntOption(fd, Posix.SOL_SOCKET, Posix.SO_ERROR, reactor.scratchAddress());
        if (error != 0) {
            throw Posix.error("connect", error);
        }
        connecting = false;
        updateInterest();
        localAddress();
        handler.onOpen(this);
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
            updateInterest();
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
                    return KqueueConnection.this.write(src);
                }

                @Override
                public boolean isOpen() {
                    return KqueueConnection.this.isOpen();
                }

                @Override
                public void close() {
                    KqueueConnection.this.close();
                }
            };
        }
        return asChannel;
    }

    @Override
    public void requestWritable() {
        if (!writeRequested) {
            writeRequested = true;
            updateInterestOrClose();
        }
    }

    @Override
    public void pauseReading() {
        if (!readPaused) {
            readPaused = true;
            updateInterestOrClose();
        }
    }

    @Override
    public void resumeReading() {
        if (readPaused) {
            readPaused = false;
            updateInterestOrClose();
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
    void closeWith(Throwable cause) {
        if (!setBits(CLOSED)) {
            return;
        }
        closeCause = cause;
        // The kernel drops the filters with the descriptor (kqueues are not inherited by a
        // fork); the changes still queued for it must not reach whatever reuses the number.
        reactor.unregister(this);
        readFilter = READ_NONE;
        writeArmed = false;
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
        reactor.closed(this);
    }

    void notifyClosed() {
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

    private void updateInterestOrClose() {
        try {
            updateInterest();
        } catch (IOException e) {
            closeWith(e);
        }
    }

    /** Queues the changes that bring the kernel's filters to what is wanted now. */
    private void updateInterest() throws IOException {
        if (id == 0 || !isOpen()) {
            return;
        }
        boolean wantRead = !connecting && !readPaused && !isInputShutdown();
        if (wantRead && readFilter == READ_NONE) {
            reactor.change(fd, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD, data);
            readFilter = READ_ENABLED;
        } else if (wantRead && readFilter == READ_DISABLED) {
            reactor.change(fd, KeventLayout.EVFILT_READ, KeventLayout.EV_ENABLE, data);
            readFilter = READ_ENABLED;
        } else if (!wantRead && readFilter == READ_ENABLED) {
            reactor.change(fd, KeventLayout.EVFILT_READ, KeventLayout.EV_DISABLE, data);
            readFilter = READ_DISABLED;
        }
        if ((connecting || writeRequested) && !writeArmed) {
            reactor.change(fd, KeventLayout.EVFILT_WRITE, KeventLayout.EV_ADD | KeventLayout.EV_ONESHOT, data);
            writeArmed = true;
        }
    }

    @Override
    public String toString() {
        return "connection " + remoteAddress + (isOpen() ? "" : " (closed)");
    }
}
