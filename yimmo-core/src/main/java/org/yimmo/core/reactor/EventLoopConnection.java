package org.yimmo.core.reactor;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;

/**
 * What the connections of every {@link EventLoop} backend keep alike: the handler, the lifecycle
 * bits (closed, input shut, output shut: one volatile int changed by CAS, so each happens once
 * whichever thread gets there first), the close and its cause, and the close notice the loop
 * delivers after the callback that closed the connection. A backend adds its kernel's I/O and
 * what closing releases ({@link #release()}).
 *
 * <p>Threading: reactor thread only, but for {@link #close()}, {@link #isOpen()} and the
 * addresses.
 */
public abstract class EventLoopConnection implements Connection, EventLoop.ClosedNotice {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoopConnection.class);

    protected static final int CLOSED = 1;
    protected static final int INPUT_SHUTDOWN = 1 << 1;
    protected static final int OUTPUT_SHUTDOWN = 1 << 2;
    private static final AtomicIntegerFieldUpdater<EventLoopConnection> STATE =
            AtomicIntegerFieldUpdater.newUpdater(EventLoopConnection.class, "state");

    private final SocketAddress remoteAddress;
    protected ConnectionHandler handler;
    private volatile int state;
    private Throwable closeCause;

    protected EventLoopConnection(SocketAddress remoteAddress) {
        this.remoteAddress = remoteAddress;
    }

    /**
     * Releases what the kernel holds for the connection (its registration, the descriptor) and
     * has the loop tell the handler after the current callback; once, on the reactor thread.
     */
    protected abstract void release();

    public final void setHandler(ConnectionHandler handler) {
        this.handler = handler;
    }

    /** On the reactor thread at once; from another thread, the loop closes it (an abort). */
    @Override
    public final void close() {
        if (reactor().inReactorThread()) {
            closeWith(null);
        } else if (isOpen()) {
            reactor().execute(() -> closeWith(null));
        }
    }

    /** Closes now, on the reactor thread; the handler hears of it, with {@code cause}, after the current callback. */
    public final void closeWith(Throwable cause) {
        if (setBits(CLOSED)) {
            closeCause = cause;
            release();
        }
    }

    /** Reactor thread, after the callback that closed it: tells the handler. */
    @Override
    public final void notifyClosed() {
        try {
            handler.onClosed(this, closeCause);
        } catch (Throwable t) {
            LOG.error("onClosed of {} failed", remoteAddress, t);
        }
    }

    @Override
    public final boolean isOpen() {
        return (state & CLOSED) == 0;
    }

    @Override
    public final boolean isInputShutdown() {
        return (state & INPUT_SHUTDOWN) != 0;
    }

    protected final boolean isOutputShutdown() {
        return (state & OUTPUT_SHUTDOWN) != 0;
    }

    @Override
    public final SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Sets bits; true if this call set any of them (so the caller acts exactly once). */
    protected final boolean setBits(int bits) {
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
}
