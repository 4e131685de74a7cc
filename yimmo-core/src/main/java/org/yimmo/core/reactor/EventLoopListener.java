package org.yimmo.core.reactor;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;

/**
 * What the listeners of every {@link EventLoop} backend keep alike: the address asked for and
 * the one bound, the closed flag (set by CAS, so the close happens once whichever thread gets
 * there first), the unix socket file the listener created and removes again, and the handing of
 * an accepted connection to its protocol's handler. A backend adds how it binds, accepts and
 * backs off, how its kernel watches the socket, and what closing releases ({@link #release()}).
 *
 * <p>Threading: {@link #close()}, {@link #isClosed()} and the addresses from any thread;
 * {@link #giveHandler} on the reactor thread.
 */
public abstract class EventLoopListener implements Listener {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoopListener.class);

    private final ListenAddress address;
    private final SocketAddress localAddress;
    private final ProtocolFactory protocol;
    /** The unix socket file this listener created, deleted again on close; null if none. */
    private final Path ownedSocketFile;
    private final AtomicBoolean closed = new AtomicBoolean();

    protected EventLoopListener(ListenAddress address, SocketAddress localAddress, ProtocolFactory protocol,
            Path ownedSocketFile) {
        this.address = address;
        this.localAddress = localAddress;
        this.protocol = protocol;
        this.ownedSocketFile = ownedSocketFile;
    }

    /**
     * Gives back what the backend holds for the listener (its registration, the socket) and
     * removes the socket file ({@link #removeSocketFile()}) where the backend's order puts it;
     * once, on the thread that closed.
     */
    protected abstract void release();

    /** From any thread; the first call releases, the others do nothing. */
    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    protected final boolean isClosed() {
        return closed.get();
    }

    /** For a backend's own close path, which releases by itself: later calls of close() do nothing. */
    protected final void markClosed() {
        closed.set(true);
    }

    /** Deletes the unix socket file this listener created, if any; a failure is only logged. */
    protected final void removeSocketFile() {
        if (ownedSocketFile != null) {
            try {
                Files.deleteIfExists(ownedSocketFile);
            } catch (IOException e) {
                LOG.warn("cannot remove socket file {}: {}", ownedSocketFile, e.getMessage());
            }
        }
    }

    /**
     * Gives an accepted connection its protocol's handler, on the reactor thread. False if the
     * protocol failed: the connection is closed then, with the failure as its cause.
     */
    protected final boolean giveHandler(EventLoopConnection connection) {
        try {
            connection.setHandler(protocol.newHandler(connection));
            return true;
        } catch (RuntimeException e) {
            LOG.error("protocol on {} failed to make a handler", address, e);
            connection.setHandler(new NoHandler());
            connection.closeWith(e);
            return false;
        }
    }

    @Override
    public final ListenAddress address() {
        return address;
    }

    @Override
    public final SocketAddress localAddress() {
        return localAddress;
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
