package org.yimmo.reactor.kqueue;

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
 * A listening socket descriptor on an {@link KqueueReactor}: accepts a bounded batch per turn
 * with accept4 and gives each connection its handler.
 *
 * <p>Its read filter is added once; pausing accepts (after EMFILE) disables it and resuming
 * enables it again, both through the reactor's changelist. kqueue has no counterpart of epoll's
 * EPOLLEXCLUSIVE: processes sharing one listening socket are all woken by a connection.
 *
 * <p>Threading: binding runs on the caller's thread (errors reach the caller), accepting on the
 * reactor thread; {@link #close()} from any thread, the descriptor itself being closed on the
 * reactor thread while the loop runs.
 */
final class KqueueListener implements Listener, KqueueReactor.KqueueChannel {

    private static final Logger log = LoggerFactory.getLogger(KqueueListener.class);
    private static final int BACKLOG = 1024;
    /** How long accepting pauses after the process ran out of descriptors. */
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final KqueueReactor reactor;
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
    /** The read filter is added and enabled (as of the changelist). */
    private boolean accepting;
    private boolean added;

    private KqueueListener(KqueueReactor reactor, ListenAddress address, int fd, ProtocolFactory protocol,
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
    static KqueueListener bind(KqueueReactor reactor, ListenAddress address, ProtocolFactory protocol)
            throws IOException {
        ListeningSocket socket = ListeningSocket.open(address, BACKLOG);
        return new KqueueListener(reactor, address, socket.fd(), protocol, socket.localAddress(),
                socket.ownedSocketFile());
    }

    /** Enters the table and queues its read filter; reactor thread. */
    void register() {
        if (closed.get()) {
            return;
        }
        data = reactor.register(this);
        id = (int) (data >>> 32);
        reactor.change(fd, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD, data);
        added = true;
        accepting = true;
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
    public void onError(short filter, int errno) {
        log.error("cannot register listener {}: {}", address, Posix.error("kevent", errno).getMessage());
        added = false;
        accepting = false;
        close();
    }

    @Override
    public void onReady(short filter, int flags, long data) {
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
        KqueueConnection connection;
        try {
            SocketAddress remote = SocketAddresses.decode(peer, peerLength);
            SocketAddress local = wildcard ? SocketAddresses.localAddress(accepted, reactor.socketAddress()) : localAddress;
            connection = new KqueueConnection(reactor, accepted, remote, local);
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
     * Typically EMFILE. The pending connections stay queued: disable the read filter for a while
     * instead of spinning on a readiness we cannot act on, and keep the loop alive.
     */
    private void pauseAccepting(Throwable cause) {
        log.warn("accept on {} failed, pausing accepts for {} ms: {}", address,
                TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF_NANOS), cause.toString());
        if (accepting) {
            reactor.change(fd, KeventLayout.EVFILT_READ, KeventLayout.EV_DISABLE, data);
            accepting = false;
        }
        reactor.timers().schedule(reactor.nanoTime() + ACCEPT_BACKOFF_NANOS, resumeAccepting);
    }

    private void resume() {
        if (closed.get() || accepting || !added) {
            return;
        }
        reactor.change(fd, KeventLayout.EVFILT_READ, KeventLayout.EV_ENABLE, data);
        accepting = true;
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

    /** Drops its pending changes and closes the descriptor (the kernel drops its filter), once. */
    void closeNow() {
        closed.set(true);
        if (!fdClosed.compareAndSet(false, true)) {
            return;
        }
        // No EV_DELETE: a kqueue filter belongs to this process's descriptor, so the close drops
        // it even when another process (systemd) holds the same socket open.
        accepting = false;
        added = false;
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
