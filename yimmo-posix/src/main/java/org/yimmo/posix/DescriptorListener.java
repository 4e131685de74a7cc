package org.yimmo.posix;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.EventLoopListener;
import org.yimmo.core.timer.TimerTask;

/**
 * A listening socket on a raw descriptor: what the native backends' listeners share. It accepts
 * a bounded batch per turn and gives each connection its handler; after a failed accept
 * (typically EMFILE) it stops watching the socket for a while instead of spinning on a readiness
 * it cannot act on (the lifecycle is {@link EventLoopListener}'s). A backend adds how the socket
 * is watched in its kernel.
 *
 * <p>Threading: binding runs on the caller's thread (errors reach the caller), accepting on the
 * reactor thread; {@link #close()} from any thread, the descriptor itself being closed on the
 * reactor thread while the loop runs.
 */
public abstract class DescriptorListener extends EventLoopListener {

    private static final Logger log = LoggerFactory.getLogger(DescriptorListener.class);
    /** The accept queue's length asked of the kernel. */
    public static final int BACKLOG = 1024;
    /** How long accepting pauses after the process ran out of descriptors. */
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final DescriptorReactor reactor;
    protected final int fd;
    /** Accepted connections share the listener's local address unless it is a wildcard. */
    private final boolean wildcard;
    private final AtomicBoolean fdClosed = new AtomicBoolean();
    /** Made up front: after EMFILE no class can be loaded, not even a lambda's. */
    private final TimerTask resumeAccepting = (timerId, now) -> resume();

    protected DescriptorListener(DescriptorReactor reactor, ListenAddress address, ListeningSocket socket,
            ProtocolFactory protocol) {
        super(address, socket.localAddress(), protocol, socket.ownedSocketFile());
        this.reactor = reactor;
        this.fd = socket.fd();
        this.wildcard = SocketAddresses.isWildcard(localAddress());
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
        if (isClosed()) {
            return;
        }
        enterTable();
        try {
            watch();
        } catch (IOException e) {
            log.error("cannot register listener {}", address(), e);
            close();
        }
    }

    /** The socket is readable: accepts up to the reactor's batch. */
    protected final void acceptReady() {
        int limit = reactor.options().acceptsPerTurn();
        ByteBuffer peer = reactor.socketAddress();
        long peerAddress = reactor.socketAddressAddress();
        long lengthPointer = reactor.scratchAddress();
        for (int i = 0; i < limit && !isClosed(); i++) {
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
            SocketAddress local = wildcard ? SocketAddresses.localAddress(accepted, reactor.socketAddress()) : localAddress();
            connection = newConnection(accepted, remote, local);
        } catch (IOException | RuntimeException e) {
            log.debug("dropping a connection on {} that failed at once: {}", address(), e.getMessage());
            Posix.close(accepted);
            return;
        }
        if (giveHandler(connection)) {
            connection.register();
        }
    }

    /**
     * Typically EMFILE. The pending connections stay queued: stop watching for a while instead
     * of spinning on a readiness we cannot act on, and keep the loop alive.
     */
    private void pauseAccepting(Throwable cause) {
        log.warn("accept on {} failed, pausing accepts for {} ms: {}", address(),
                TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF_NANOS), cause.toString());
        if (watching()) {
            try {
                unwatch();
            } catch (IOException e) {
                log.warn("cannot pause accepting on {}", address(), e);
                return;
            }
        }
        reactor.timers().schedule(reactor.nanoTime() + ACCEPT_BACKOFF_NANOS, resumeAccepting);
    }

    private void resume() {
        if (isClosed() || watching()) {
            return;
        }
        try {
            watch();
        } catch (IOException e) {
            log.error("cannot resume accepting on {}", address(), e);
        }
    }

    public final int fd() {
        return fd;
    }

    /** Once, on the closing thread: the socket file goes at once, the descriptor maybe on the loop. */
    @Override
    protected final void release() {
        removeSocketFile();
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
        markClosed();
        if (!fdClosed.compareAndSet(false, true)) {
            return;
        }
        leave();
        try {
            Posix.close(fd);
        } catch (IOException e) {
            log.debug("closing listener {} failed", address(), e);
        }
        closedNotice();
    }
}
