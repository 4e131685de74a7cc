package org.yimmo.reactor.kqueue;

import java.io.IOException;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.posix.DescriptorConnection;
import org.yimmo.posix.DescriptorListener;
import org.yimmo.posix.ListeningSocket;
import org.yimmo.posix.Posix;
import org.yimmo.posix.Registrations;

/**
 * A listening socket descriptor on a {@link KqueueReactor}: the shared
 * {@link DescriptorListener}, watched by a read filter added once; pausing accepts (after
 * EMFILE) disables it and resuming enables it again, both through the reactor's changelist.
 * kqueue has no counterpart of epoll's EPOLLEXCLUSIVE: processes sharing one listening socket are
 * all woken by a connection.
 */
final class KqueueListener extends DescriptorListener implements KqueueReactor.KqueueChannel {

    private static final Logger log = LoggerFactory.getLogger(KqueueListener.class);

    private final KqueueReactor reactor;
    private long data;
    /** The read filter is added and enabled (as of the changelist). */
    private boolean accepting;
    private boolean added;

    private KqueueListener(KqueueReactor reactor, ListenAddress address, ListeningSocket socket,
            ProtocolFactory protocol) {
        super(reactor, address, socket, protocol);
        this.reactor = reactor;
    }

    /** Binds or adopts the socket on the calling thread, so errors surface to the caller. */
    static KqueueListener bind(KqueueReactor reactor, ListenAddress address, ProtocolFactory protocol)
            throws IOException {
        return new KqueueListener(reactor, address, ListeningSocket.open(address, BACKLOG), protocol);
    }

    @Override
    public int id() {
        return Registrations.id(data);
    }

    @Override
    public void onError(short filter, int errno) {
        log.error("cannot register listener {}: {}", address(), Posix.error("kevent", errno).getMessage());
        added = false;
        accepting = false;
        close();
    }

    @Override
    public void onReady(short filter, int flags, long data) {
        acceptReady();
    }

    @Override
    protected DescriptorConnection newConnection(int fd, SocketAddress remote, SocketAddress local) {
        return new KqueueConnection(reactor, fd, remote, local);
    }

    @Override
    protected void enterTable() {
        data = reactor.register(this);
    }

    @Override
    protected void watch() {
        reactor.change(fd, KeventLayout.EVFILT_READ, added ? KeventLayout.EV_ENABLE : KeventLayout.EV_ADD, data);
        added = true;
        accepting = true;
    }

    @Override
    protected void unwatch() {
        reactor.change(fd, KeventLayout.EVFILT_READ, KeventLayout.EV_DISABLE, data);
        accepting = false;
    }

    @Override
    protected boolean watching() {
        return accepting;
    }

    /**
     * No EV_DELETE: a kqueue filter belongs to this process's descriptor, so the close drops it
     * even when another process (systemd) holds the same socket open.
     */
    @Override
    protected void leave() {
        accepting = false;
        added = false;
        if (id() != 0) {
            reactor.unregister(this);
        }
    }

    @Override
    protected void closedNotice() {
        reactor.forget(this);
    }
}
