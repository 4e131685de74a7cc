package org.yimmo.reactor.epoll;

import java.io.IOException;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.posix.DescriptorConnection;
import org.yimmo.posix.Posix;
import org.yimmo.posix.Registrations;
import org.yimmo.posix.SocketAddresses;

/**
 * A stream socket descriptor registered with an {@link EpollReactor}: the shared
 * {@link DescriptorConnection} with epoll's interest. Changes of interest are batched: a
 * connection whose wanted interest changed is queued on the reactor, which brings epoll up to
 * date just before its next wait (a pause and a resume within one turn cost no system call).
 * With no interest left the descriptor leaves the epoll set, so a hang-up, which epoll reports
 * whatever was asked, cannot make the loop spin.
 */
final class EpollConnection extends DescriptorConnection implements EpollReactor.EpollChannel {

    private static final Logger log = LoggerFactory.getLogger(EpollConnection.class);
    private static final int READ_EVENTS = Native.EPOLLIN | Native.EPOLLHUP | Native.EPOLLERR;
    private static final int WRITE_EVENTS = Native.EPOLLOUT | Native.EPOLLHUP | Native.EPOLLERR;

    private final EpollReactor reactor;
    private long data;
    /** The interest epoll has for this descriptor; 0 when it is not in the set. */
    private int registered;
    /** Queued in the reactor's list of interest changes to apply before its next wait. */
    private boolean interestPending;

    EpollConnection(EpollReactor reactor, int fd, SocketAddress remoteAddress, SocketAddress localAddress) {
        super(reactor, fd, remoteAddress, localAddress);
        this.reactor = reactor;
    }

    /** Opens a socket and starts a non-blocking connect, on the caller's thread. */
    static EpollConnection connect(EpollReactor reactor, SocketAddress remote) throws IOException {
        EpollConnection connection = new EpollConnection(reactor, Posix.streamSocket(SocketAddresses.family(remote)),
                remote, null);
        connection.startConnect();
        return connection;
    }

    @Override
    public int id() {
        return Registrations.id(data);
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

    @Override
    protected void enterTable() {
        data = reactor.register(this);
    }

    /** Epoll hears of it before the reactor's next wait. */
    @Override
    protected void interestChanged() {
        if (!interestPending && id() != 0) {
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

    @Override
    protected void updateInterest() throws IOException {
        if (id() == 0 || !isOpen()) {
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

    /**
     * Leaves the set explicitly: a copy of the descriptor in a forked child would keep the
     * registration (and its events) alive past close.
     */
    @Override
    protected void leave() {
        if (registered != 0) {
            try {
                reactor.control(Native.EPOLL_CTL_DEL, fd, 0, 0);
            } catch (IOException e) {
                log.debug("epoll_ctl(DEL) of {} failed", this, e);
            }
            registered = 0;
        }
        reactor.unregister(this);
    }

    @Override
    protected void queueClosedNotice() {
        reactor.closed(this);
    }
}
