package org.yimmo.reactor.epoll;

import java.io.IOException;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.posix.DescriptorConnection;
import org.yimmo.posix.DescriptorListener;
import org.yimmo.posix.ListeningSocket;
import org.yimmo.posix.Registrations;

/**
 * A listening socket descriptor on an {@link EpollReactor}: the shared
 * {@link DescriptorListener}, watched with {@code EPOLLEXCLUSIVE}, so that when several
 * processes (or reactors) share one listening socket, a connection wakes one of them rather than
 * all. Such a registration cannot be modified, so pausing accepts removes it and resuming adds
 * it again.
 */
final class EpollListener extends DescriptorListener implements EpollReactor.EpollChannel {

    private static final Logger log = LoggerFactory.getLogger(EpollListener.class);
    private static final int INTEREST = Native.EPOLLIN | Native.EPOLLEXCLUSIVE;

    private final EpollReactor reactor;
    private long data;
    private boolean inEpollSet;

    private EpollListener(EpollReactor reactor, ListenAddress address, ListeningSocket socket, ProtocolFactory protocol) {
        super(reactor, address, socket, protocol);
        this.reactor = reactor;
    }

    /** Binds or adopts the socket on the calling thread, so errors surface to the caller. */
    static EpollListener bind(EpollReactor reactor, ListenAddress address, ProtocolFactory protocol)
            throws IOException {
        return new EpollListener(reactor, address, ListeningSocket.open(address, BACKLOG), protocol);
    }

    @Override
    public int id() {
        return Registrations.id(data);
    }

    @Override
    public void onReady(int events) {
        acceptReady();
    }

    @Override
    protected DescriptorConnection newConnection(int fd, SocketAddress remote, SocketAddress local) {
        return new EpollConnection(reactor, fd, remote, local);
    }

    @Override
    protected void enterTable() {
        data = reactor.register(this);
    }

    @Override
    protected void watch() throws IOException {
        reactor.control(Native.EPOLL_CTL_ADD, fd, INTEREST, data);
        inEpollSet = true;
    }

    @Override
    protected void unwatch() throws IOException {
        reactor.control(Native.EPOLL_CTL_DEL, fd, 0, 0);
        inEpollSet = false;
    }

    @Override
    protected boolean watching() {
        return inEpollSet;
    }

    @Override
    protected void leave() {
        if (inEpollSet) {
            try {
                // Explicitly: an inherited socket is also open in another process (systemd),
                // and epoll would keep reporting it after our close.
                unwatch();
            } catch (IOException e) {
                log.debug("epoll_ctl(DEL) of listener {} failed", address(), e);
            }
            inEpollSet = false;
        }
        if (id() != 0) {
            reactor.unregister(this);
        }
    }

    @Override
    protected void closedNotice() {
        reactor.forget(this);
    }
}
