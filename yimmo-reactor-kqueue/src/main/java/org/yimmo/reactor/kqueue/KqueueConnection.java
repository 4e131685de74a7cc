package org.yimmo.reactor.kqueue;

import java.io.IOException;
import java.net.SocketAddress;
import org.yimmo.posix.DescriptorConnection;
import org.yimmo.posix.Posix;
import org.yimmo.posix.Registrations;
import org.yimmo.posix.SocketAddresses;

/**
 * A stream socket descriptor registered with an {@link KqueueReactor}: the shared
 * {@link DescriptorConnection} with kqueue's filters. The read filter is enabled unless reading
 * is paused or at end of stream (then EV_DISABLE: a disabled filter reports nothing, not even
 * EV_EOF, so the loop cannot spin), the write filter is added with EV_ONESHOT per request, and
 * the kernel deletes it when the event is returned. Changes go to the reactor's changelist, not
 * to the kernel; the close of the descriptor drops its filters, so a close deletes nothing.
 *
 * <p>EV_EOF on the read filter is not a close: it is reported as readable, the handler reads the
 * bytes still buffered and then -1. EV_EOF on the write filter (peer gone, or a connect refused)
 * is reported as writable (or ends the connect), where the write or SO_ERROR gives the cause.
 */
final class KqueueConnection extends DescriptorConnection implements KqueueReactor.KqueueChannel {

    private static final int READ_NONE = 0;
    private static final int READ_ENABLED = 1;
    private static final int READ_DISABLED = 2;

    private final KqueueReactor reactor;
    private long data;
    /** The read filter as the kernel will have it once the changelist is applied. */
    private int readFilter = READ_NONE;
    /** A one-shot write filter is added and has not fired yet. */
    private boolean writeArmed;

    KqueueConnection(KqueueReactor reactor, int fd, SocketAddress remoteAddress, SocketAddress localAddress) {
        super(reactor, fd, remoteAddress, localAddress);
        this.reactor = reactor;
    }

    /** Opens a socket and starts a non-blocking connect, on the caller's thread. */
    static KqueueConnection connect(KqueueReactor reactor, SocketAddress remote) throws IOException {
        KqueueConnection connection = new KqueueConnection(reactor,
                Posix.streamSocket(SocketAddresses.family(remote)), remote, null);
        connection.startConnect();
        return connection;
    }

    @Override
    public int id() {
        return Registrations.id(data);
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

    @Override
    protected void enterTable() {
        data = reactor.register(this);
    }

    /** The changes go to the changelist at once; the kernel gets them with the next kevent call. */
    @Override
    protected void interestChanged() {
        updateInterest();
    }

    /** Queues the changes that bring the kernel's filters to what is wanted now. */
    @Override
    protected void updateInterest() {
        if (id() == 0 || !isOpen()) {
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

    /**
     * The kernel drops the filters with the descriptor (kqueues are not inherited by a fork); the
     * changes still queued for it must not reach whatever reuses the number.
     */
    @Override
    protected void leave() {
        reactor.unregister(this);
        readFilter = READ_NONE;
        writeArmed = false;
    }

    @Override
    protected void queueClosedNotice() {
        reactor.closed(this);
    }
}
