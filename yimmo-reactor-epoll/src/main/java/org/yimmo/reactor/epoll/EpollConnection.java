package org.yimmo.reactor.epoll;

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
 * A stream socket descriptor registered with an {@link EpollReactor}.
 *
 * <p>Threading: reactor thread only, but for {@link #close()}, {@link #isOpen()} and the
 * addresses. Lifecycle bits live in one volatile int changed by CAS, so close is idempotent
 * whichever thread gets there first; the descriptor itself is closed on the reactor thread only,
 * so no other thread can race a reuse of its number.
 *
 * <p>Direct buffers are read and written in place (address + position); heap buffers go through
 * the reactor's native copy buffer, at most {@link org.yimmo.posix.SocketIo#COPY_SIZE} bytes per
 * call (SocketIo does the I/O for both native backends).
 * Interest follows the select backend: read interest unless paused or at end of stream, write
 * interest one-shot; with no interest left the descriptor leaves the epoll set (so a hang-up,
 * which epoll reports whatever was asked, cannot make the loop spin).
 */
final class EpollConnection implements Connection, EpollReactor.EpollChannel {

    private static final Logger log = LoggerFactory.getLogger(EpollConnection.class);

    private static final int CLOSED = 1;
    private static final int INPUT_SHUTDOWN = 1 << 1;
    private static final int OUTPUT_SHUTDOWN = 1 << 2;
    private static final AtomicIntegerFieldUpdater<EpollConnection> STATE =
            AtomicIntegerFieldUpdater.newUpdater(EpollConnection.class, "state");
    private static final int READ_EVENTS = Native.EPOLLIN | Native.EPOLLHUP | Native.EPOLLERR;
    private static final int WRITE_EVENTS = Native.EPOLLOUT | Native.EPOLLHUP | Native.EPOLLERR;

    private final EpollReactor reactor;
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
    /** The interest epoll has for this descriptor; 0 when it is not in the set. */
    private int registered;
    private boolean readPaused;
    private boolean writeRequested;
    /** Queued in the reactor's list of interest changes to apply before its next wait. */
    private boolean interestPending;
    private Throwable closeCause;
    private WritableByteChannel asChannel;

    EpollConnection(EpollReactor reactor, int fd, SocketAddress remoteAddress, SocketAddress localAddress) {
        this.reactor = reactor;
        this.fd = fd;
        this.remoteAddress = remoteAddress;
        this.localAddress = localAddress;
    }

    /** Opens a socket and starts a non-blocking connect, on the caller's thread. */
    static EpollConnection connect(EpollReactor reactor, SocketAddress remote) throws IOException {
        int family = SocketAddresses.family(remote);
        ByteBuffer address = NativeMemory.allocate(SocketAddresses.SIZE);
        int length = SocketAddresses.encode(remote, address);
        int fd = Posix.streamSocket(family);
        EpollConnection connection = new EpollConnection(reactor, fd, remote, null);
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

    /** Enters the table and the epoll set; tells the handler it is open unless a connect is pending. */
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
    public void onReady(int events) {
        try {
            if (connecting) {
                finishConnect();
                return;
            }
            if ((events & WRITE_EVENTS) != 0 && writeRequested && isOpen()) {
                writeRequested = false;
                interestChanged();
                handler.onWritable(this);
            }
            if ((events & READ_EVENTS) != 0 && !readPaused && isOpen() && !isInputShutdown()) {
                handler.onReadable(this);
            }
        } catch (Throwable t) {
            closeWith(t);
        }
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
                    return EpollConnection.this.write(src);
                }

                @Override
                public boolean isOpen() {
                    return EpollConnection.this.isOpen();
                }

                @Override
                public void close() {
                    EpollConnection.this.close();
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
    void closeWith(Throwable cause) {
        if (!setBits(CLOSED)) {
            return;
        }
        closeCause = cause;
        // Leave the set explicitly: a copy of the descriptor in a forked child would keep the
        // registration (and its events) alive past close.
        if (registered != 0) {
            try {
                reactor.control(Native.EPOLL_CTL_DEL, fd, 0, 0);
            } catch (IOException e) {
                log.debug("epoll_ctl(DEL) of {} failed", this, e);
            }
            registered = 0;
        }
        reactor.unregister(this);
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

    /** The wanted interest changed: epoll hears of it before the reactor's next wait. */
    private void interestChanged() {
        if (!interestPending && id != 0) {
            interestPending = true;
            reactor.interestChanged(this);
        }
    }

    /** Reactor, before waiting: brings epoll's interest up to date (no call if it did not change). */
    void applyInterest() {
        interestPending = false;
        try {
            updateInterest();
        } catch (IOException e) {
            closeWith(e);
        }
    }

    private void updateInterest() throws IOException {
        if (id == 0 || !isOpen()) {
            return;
        }
        int wanted;
        if (connecting) {
            wanted = Native.EPOLLOUT;
        } else {
            wanted = 0;
            if (!readPaused && !isInputShutdown()) {
                wanted |= Native.EPOLLIN;
            }
            if (writeRequested) {
                wanted |= Native.EPOLLOUT;
            }
        }
        if (wanted == registered) {
            return;
        }
        int op = registered == 0 ? Native.EPOLL_CTL_ADD : wanted == 0 ? Native.EPOLL_CTL_DEL : Native.EPOLL_CTL_MOD;
        reactor.control(op, fd, wanted, data);
        registered = wanted;
    }

    @Override
    public String toString() {
        return "connection " + remoteAddress + (isOpen() ? "" : " (closed)");
    }
}
