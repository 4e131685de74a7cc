package org.yimmo.reactor.epoll;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.timer.TimerTask;
import org.yimmo.posix.NativeIoException;
import org.yimmo.posix.ListeningSocket;
import org.yimmo.posix.NativeMemory;
import org.yimmo.posix.Posix;
import org.yimmo.posix.SocketAddresses;

/**
 * A listening socket descriptor on an {@link EpollReactor}: accepts a bounded batch per turn
 * with accept4 and gives each connection its handler.
 *
 * <p>Registered with {@code EPOLLEXCLUSIVE}, so that when several processes (or reactors) share
 * one listening socket, a connection wakes one of them rather than all. Such a registration
 * cannot be modified, so pausing accepts removes it and resuming adds it again.
 *
 * <p>Threading: binding runs on the caller's thread (errors reach the caller), accepting on the
 * reactor thread; {@link #close()} from any thread, the descriptor itself being closed on the
 * reactor thread while the loop runs.
 */
final class EpollListener implements Listener, EpollReactor.EpollChannel {

    private static final Logger log = LoggerFactory.getLogger(EpollListener.class);
    private static final int BACKLOG = 1024;
    /** How long accepting pauses after the process ran out of descriptors. */
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int INTEREST = Native.EPOLLIN | Native.EPOLLEXCLUSIVE;

    private final EpollReactor reactor;
    private final ListenAddress address;
    private final int fd;
    private final ProtocolFactory protocol;
    private final SocketAddress localAddress;
    /** Accepted connections share the listener's local address unless it is a wildcard. */
    private final boolean wildcard;
    private final Path ownedSocketFile;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean fdClosed = new AtomicBoolean();
    /** Made up front: after EMFILE no class can be loaded, not even a lambda's. */
    private final TimerTask resumeAccepting = (timerId, now) -> resume();
    private int id;
    private long data;
    private boolean inEpollSet;

    private EpollListener(EpollReactor reactor, ListenAddress address, int fd, ProtocolFactory protocol,
            SocketAddress localAddress, Path ownedSocketFile) {
        this.reactor = reactor;
        this.address = address;
        this.fd = fd;
        this.protocol = protocol;
        this.localAddress = localAddress;
        this.wildcard = SocketAddresses.isWildcard(localAddress);
        this.ownedSocketFile = ownedSocketFile;
    }

    /** Binds or adopts the socket on the calling thread, so errors surface to the caller. */
    static EpollListener bind(EpollReactor reactor, ListenAddress address, ProtocolFactory protocol)
            throws IOException {
        ListeningSocket socket = ListeningSocket.open(address, BACKLOG);
        return new EpollListener(reactor, address, socket.fd(), protocol, socket.localAddress(),
                socket.ownedSocketFile());
    }

    /** Enters the table and the epoll set; reactor thread. */
    void register() {
        if (closed.get()) {
            return;
        }
        data = reactor.register(this);
        id = (int) (data >>> 32);
        try {
            reactor.control(Native.EPOLL_CTL_ADD, fd, INTEREST, data);
            inEpollSet = true;
        } catch (IOException e) {
            log.error("cannot register listener {}", address, e);
            close();
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
        int limit = reactor.options().acceptsPerTurn();
        ByteBuffer peer = reactor.socketAddress();
        long peerAddress = reactor.socketAddressAddress();
        long lengthPointer = reactor.scratchAddress();
        for (int i = 0; i < limit && !closed.get(); i++) {
            int accepted;
            try {
                NativeMemory.putInt(lengthPointer, SocketAddresses.SIZE);
                accepted = Posix.accept(fd, peerAddress, lengthPointer);
                if (accepted < 0) {
                    return;
                }
            } catch (NativeIoException e) {
                if (e.errno() == Posix.ECONNABORTED || e.errno() == Posix.EPROTO) {
                    continue; // the peer gave up while queued; take the next one
                }
                pauseAccepting(e);
                return;
            } catch (Throwable t) {
                pauseAccepting(t);
                return;
            }
            try {
                open(accepted, peer, NativeMemory.getInt(lengthPointer));
            } catch (Throwable t) {
                // Typically a class the JVM cannot load without a free descriptor.
                pauseAccepting(t);
                return;
            }
        }
    }

    private void open(int accepted, ByteBuffer peer, int peerLength) throws IOException {
        EpollConnection connection;
        try {
            SocketAddress remote = SocketAddresses.decode(peer, peerLength);
            SocketAddress local = wildcard ? SocketAddresses.localAddress(accepted, reactor.socketAddress()) : localAddress;
            connection = new EpollConnection(reactor, accepted, remote, local);
        } catch (IOException | RuntimeException e) {
            log.debug("dropping a connection on {} that failed at once: {}", address, e.getMessage());
            Posix.close(accepted);
            return;
        }
        try {
            connection.setHandler(protocol.newHandler(connection));
        } catch (RuntimeException e) {
            log.error("protocol on {} failed to make a handler", address, e);
            connection.setHandler(new NoHandler());
            connection.closeWith(e);
            return;
        }
        connection.register();
    }

    /**
     * Typically EMFILE. The pending connections stay queued: leave the epoll set for a while
     * instead of spinning on a readiness we cannot act on, and keep the loop alive.
     */
    private void pauseAccepting(Throwable cause) {
        log.warn("accept on {} failed, pausing accepts for {} ms: {}", address,
                TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF_NANOS), cause.toString());
        if (inEpollSet) {
            try {
                reactor.control(Native.EPOLL_CTL_DEL, fd, 0, 0);
                inEpollSet = false;
            } catch (IOException e) {
                log.warn("cannot pause accepting on {}", address, e);
                return;
            }
        }
        reactor.timers().schedule(reactor.nanoTime() + ACCEPT_BACKOFF_NANOS, resumeAccepting);
    }

    private void resume() {
        if (closed.get() || inEpollSet) {
            return;
        }
        try {
            reactor.control(Native.EPOLL_CTL_ADD, fd, INTEREST, data);
            inEpollSet = true;
        } catch (IOException e) {
            log.error("cannot resume accepting on {}", address, e);
        }
    }

    @Override
    public ListenAddress address() {
        return address;
    }

    @Override
    public SocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (ownedSocketFile != null) {
            try {
                Files.deleteIfExists(ownedSocketFile);
            } catch (IOException e) {
                log.warn("cannot remove socket file {}: {}", ownedSocketFile, e.getMessage());
            }
        }
        if (reactor.inReactorThread() || !reactor.hasOwner() || reactor.isTerminated()) {
            closeNow();
        } else {
            // The loop may be accepting on this number: close it there. If the loop ends first,
            // its shutdown closes every listener still open.
            reactor.execute(this::closeNow);
        }
    }

    /** Leaves the epoll set and closes the descriptor, once. */
    void closeNow() {
        closed.set(true);
        if (!fdClosed.compareAndSet(false, true)) {
            return;
        }
        if (inEpollSet) {
            try {
                // Explicitly: an inherited socket is also open in another process (systemd),
                // and epoll would keep reporting it after our close.
                reactor.control(Native.EPOLL_CTL_DEL, fd, 0, 0);
            } catch (IOException e) {
                log.debug("epoll_ctl(DEL) of listener {} failed", address, e);
            }
            inEpollSet = false;
        }
        if (id != 0) {
            reactor.unregister(this);
        }
        try {
            Posix.close(fd);
        } catch (IOException e) {
            log.debug("closing listener {} failed", address, e);
        }
        reactor.listenerClosed(this);
    }

    @Override
    public String toString() {
        return "listener " + address;
    }

    /** Stands in when the protocol could not make a handler, so the close can be reported. */
    private static final class NoHandler implements ConnectionHandler {
        @Override
        public void onReadable(Connection connection) {
        }
    }
}
