package org.yimmo.reactor.epoll;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.posix.DescriptorEventLoop;
import org.yimmo.posix.NativeMemory;
import org.yimmo.posix.Posix;
import org.yimmo.posix.Registrations;

/**
 * The reactor on Linux epoll(7), level-triggered, on raw descriptors: the
 * {@link DescriptorEventLoop} waiting in {@code epoll_wait}, woken through an eventfd.
 *
 * <p>Threading: as {@link Reactor} says. The epoll set, the table of registrations (an array
 * indexed by descriptor), the scratch memory, timers and buffers are touched on the reactor thread
 * only. Other threads enqueue tasks on a lock-free MPSC queue and write the eventfd only when the
 * loop has announced that it is going to sleep.
 *
 * <p>Each registration's epoll data is {@code id << 32 | fd}, with an id unique in this reactor,
 * so an event still queued for a descriptor that was closed and reused in the same turn is
 * recognised as stale and dropped. Events are read at fixed offsets from one preallocated native
 * array; a turn allocates nothing.
 */
final class EpollReactor extends DescriptorEventLoop<EpollReactor.EpollChannel> {

    private static final Logger log = LoggerFactory.getLogger(EpollReactor.class);
    private static final int MAX_EVENTS = 512;
    /** epoll data of the wake-up eventfd: an id no registration gets. */
    private static final int WAKE_ID = Registrations.WAKE_ID;


    private final int epfd;
    private final int eventFd;

    // Native memory, reactor thread only (the wake value is only ever read by the kernel).
    private final ByteBuffer events = NativeMemory.allocate(MAX_EVENTS * Native.EVENT_SIZE);
    private final long eventsAddress = NativeMemory.address(events);
    private final ByteBuffer wakeValue = NativeMemory.allocate(8).putLong(0, 1);
    private final long wakeValueAddress = NativeMemory.address(wakeValue);

    /** Connections whose interest changed since the last wait (reactor thread only). */
    private EpollConnection[] pendingInterest = new EpollConnection[64];
    private int pendingCount;

    EpollReactor(ReactorOptions options) throws IOException {
        super(options);
        this.epfd = Native.epollCreate();
        try {
            this.eventFd = Native.eventFd();
        } catch (IOException e) {
            Posix.close(epfd);
            throw e;
        }
        try {
            Native.epollCtl(epfd, Native.EPOLL_CTL_ADD, eventFd, Native.EPOLLIN, WAKE_ID, scratchAddress);
        } catch (IOException e) {
            Posix.close(eventFd);
            Posix.close(epfd);
            throw e;
        }
    }

    @Override
    public String backend() {
        return "epoll";
    }

    @Override
    public Listener listen(ListenAddress address, ProtocolFactory protocol) throws IOException {
        EpollListener listener = EpollListener.bind(this, address, protocol);
        registerListener(listener, listener::register);
        return listener;
    }

    @Override
    public Connection connect(SocketAddress remote, ConnectionHandler handler) throws IOException {
        EpollConnection connection = EpollConnection.connect(this, remote);
        connection.setHandler(handler);
        onLoop(connection::register);
        return connection;
    }

    /** Makes the eventfd readable; any thread. */
    @Override
    protected void wake() throws IOException {
        Posix.write(eventFd, wakeValueAddress, 8);
    }

    // Interest.

    /**
     * Asks for {@code connection}'s interest to be brought up to date before the next wait. The
     * HTTP layer pauses reading when a request goes to its handler and resumes when the response
     * is out, usually within one turn: applied at once, each would be an {@code epoll_ctl} call;
     * deferred, a pause and a resume in the same turn cost none (the JDK's selector batches its
     * interest updates the same way).
     */
    void interestChanged(EpollConnection connection) {
        if (pendingCount == pendingInterest.length) {
            pendingInterest = Arrays.copyOf(pendingInterest, pendingCount * 2);
        }
        pendingInterest[pendingCount++] = connection;
    }

    /** Applies the interest changes asked for since the last wait, before the next is reckoned. */
    @Override
    protected void beforePoll() {
        for (int i = 0; i < pendingCount; i++) {
            EpollConnection connection = pendingInterest[i];
            pendingInterest[i] = null;
            connection.applyInterest();
        }
        pendingCount = 0;
    }

    /** Adds, changes or removes the epoll interest of a registered descriptor. */
    void control(int op, int fd, int interest, long data) throws IOException {
        Native.epollCtl(epfd, op, fd, interest, data, scratchAddress);
    }

    @Override
    protected int poll(long timeoutNanos) throws IOException {
        int timeoutMillis;
        if (timeoutNanos == NO_TIMEOUT) {
            timeoutMillis = -1;
        } else if (timeoutNanos == 0) {
            timeoutMillis = 0;
        } else {
            timeoutMillis = (int) Math.min(Integer.MAX_VALUE, roundUpToMillis(timeoutNanos));
        }
        return Native.epollWait(epfd, eventsAddress, MAX_EVENTS, timeoutMillis);
    }

    @Override
    protected int dispatch(int ready) {
        int handled = 0;
        ByteBuffer events = this.events;
        for (int i = 0; i < ready; i++) {
            int offset = i * Native.EVENT_SIZE;
            int flags = events.getInt(offset);
            long data = events.getLong(offset + Native.EVENT_DATA_OFFSET);
            if (Registrations.id(data) == WAKE_ID) {
                drainWakeups();
                continue;
            }
            EpollChannel channel = channels.find(data);
            if (channel != null) {
                channel.onReady(flags);
                handled++;
            }
            notifyClosed();
        }
        return handled;
    }

    private void drainWakeups() {
        try {
            Posix.read(eventFd, scratchAddress, 8);
        } catch (IOException e) {
            log.warn("reading the wake-up eventfd failed", e);
        }
    }

    @Override
    protected void closeKernel() {
        closeQuietly(eventFd);
        closeQuietly(epfd);
    }

    /** What a registration is: a listener or a connection. */
    interface EpollChannel extends DescriptorEventLoop.Channel {
        void onReady(int events);
    }
}
