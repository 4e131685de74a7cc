package org.yimmo.posix;

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

/**
 * A listening socket on a raw descriptor: what the native backends' listeners share. It accepts
 * a bounded batch per turn and gives each connection its handler; after a failed accept
 * (typically EMFILE) it stops watching the socket for a while instead of spinning on a readiness
 * it cannot act on. A backend adds how the socket is watched in its kernel.
 *
 * <p>Threading: binding runs on the caller's thread (errors reach the caller), accepting on the
 * reactor thread; {@link #close()} from any thread, the descriptor itself being closed on the
 * reactor thread while the loop runs.
 */
public abstract class DescriptorListener implements Listener {

    private static final Logger log = LoggerFactory.getLogger(DescriptorListener.class);
    /** The accept queue's length asked of the kernel. */
    public static final int BACKLOG = 1024;
    /** How long accepting pauses after the process ran out of descriptors. */
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final DescriptorReactor reactor;
    private final ListenAddress address;
    protected final int fd;
    private final ProtocolFactory protocol;
    private final SocketAddress localAddress;
    /** Accepted connections share the listener's local address unless it is a wildcard. */
    private final boolean wildcard;
    private final Path ownedSocketFile;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean fdClosed = new AtomicBoolean();
    /** Made up front: after EMFILE no class can be loaded, not even a lambda's. */
    private final TimerTask resumeAccepting = (timerId, now) -> resume();

    protected DescriptorListener(DescriptorReactor reactor, ListenAddress address, ListeningSocket socket,
            ProtocolFactory protocol) {
        this.reactor = reactor;
        this.address = address;
        this.fd = socket.fd();
        this.protocol = protocol;
        this.localAddress = socket.localAddress();
        this.wildcard = SocketAddresses.isWildcard(localAddress);
        this.ownedSocketFile = socket.ownedSocketFile();
    }

    // ---------------------------------------------------------------- what a backend supplies

    /** A connection of this backend on an accepted descriptor. */
    protected abstract DescriptorConnection newConnection(int fd, SocketAddress remote, SocketAddress local);

    /** Enters the reactor's table of descriptors. */
    protected abstract void enterTable();

    /** Starts (or resumes) watching the socket for connections. */
    protected abstract void watch() throws IOException;

    /** Stops watching the socket for a while. */
    protected abstract void unwatch() throws IOException;

    protected abstract boolean watching();

    /** Before the descriptor closes: leaves the kernel's set and the reactor's table. */
    protected abstract void leave();

    /** After the descriptor closed: the reactor forgets the listener. */
    protected abstract void closedNotice();

    // ---------------------------------------------------------------- reactor thread

    /** Enters the table and starts watching; reactor thread. */
    public final void register() {
        if (closed.get()) {
            return;
        }
        enterTable();
        try {
            watch();
        } catch (IOException e) {
            log.error("cannot register listener {}", address, e);
            close();
        }
    }

    /** The socket is readable: accepts up to the reactor's batch. */
    protected final void acceptReady() {
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
        DescriptorConnection connection;
        try {
            SocketAddress remote = SocketAddresses.decode(peer, peerLength);
            SocketAddress local = wildcard ? SocketAddresses.localAddress(accepted, reactor.socketAddress()) : localAddress;
            connection = newConnection(accepted, remote, local);
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
     * Typically EMFILE. The pending connections stay queued: stop watching for a while instead
     * of spinning on a readiness we cannot act on, and keep the loop alive.
     */
    private void pauseAccepting(Throwable cause) {
        log.warn("accept on {} failed, pausing accepts for {} ms: {}", address,
                TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF_NANOS), cause.toString());
        if (watching()) {
            try {
                unwatch();
            } catch (IOException e) {
                log.warn("cannot pause accepting on {}", address, e);
                return;
            }
        }
        reactor.timers().schedule(reactor.nanoTime() + ACCEPT_BACKOFF_NANOS, resumeAccepting);
    }

    private void resume() {
        if (closed.get() || watching()) {
            return;
        }
        try {
            watch();
        } catch (IOException e) {
            log.error("cannot resume accepting on {}", address, e);
        }
    }

    public final int fd() {
        return fd;
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

    /** Leaves the kernel's set and closes the descriptor, once. */
    public final void closeNow() {
        closed.set(true);
        if (!fdClosed.compareAndSet(false, true)) {
            return;
        }
        leave();
        try {
            Posix.close(fd);
        } catch (IOException e) {
            log.debug("closing listener {} failed", address, e);
        }
        closedNotice();
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
