package org.yimmo.reactor.kqueue;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
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
 * The reactor on BSD and macOS kqueue(2), on raw descriptors; the structure of the epoll
 * reactor, with kqueue's two filters per descriptor: the {@link DescriptorEventLoop} waiting in
 * {@code kevent}.
 *
 * <p>Threading: as {@link Reactor} says. The kqueue, the changelist, the table of registrations
 * (an array indexed by descriptor), scratch memory, timers and buffers are touched on the reactor
 * thread only. Other threads enqueue tasks on a lock-free MPSC queue and trigger the wake-up
 * event only when the loop has announced that it is going to sleep.
 *
 * <p>Interest changes are not system calls: they are appended to a {@link ChangeList} submitted
 * with the next kevent call, the one that waits (a full changelist is flushed early with
 * EV_RECEIPT, which returns one receipt per change and no readiness, so no event is consumed).
 * Each registration's udata is {@code id << 32 | fd} with an id unique in this reactor, so an
 * event or error for a descriptor closed and reused in the same turn is dropped. Events are read
 * at fixed offsets from one preallocated eventlist; a turn allocates nothing.
 *
 * <p>Wake-ups use EVFILT_USER (identifier 0, EV_CLEAR, NOTE_TRIGGER); where the kernel has no
 * EVFILT_USER (or {@value #WAKEUP_PROPERTY}{@code =pipe} asks for it) a non-blocking pipe whose
 * read end is registered like a socket.
 */
final class KqueueReactor extends DescriptorEventLoop<KqueueReactor.KqueueChannel> {

    private static final Logger log = LoggerFactory.getLogger(KqueueReactor.class);
    static final String WAKEUP_PROPERTY = "yimmo.kqueue.wakeup";
    static final int MAX_EVENTS = 512;
    /** udata of the wake-up event: id 0, which no registration gets. */
    private static final int WAKE_ID = Registrations.WAKE_ID;


    private final KeventLayout layout = KqueueNative.LAYOUT;
    private final int kq;
    /** -1 with EVFILT_USER; else the pipe whose write end wakes the loop. */
    private final int wakeReadFd;
    private final int wakeWriteFd;

    // Native memory, reactor thread only (the trigger change is used by wake(), under its lock).
    private final ChangeList changes;
    private final ByteBuffer events;
    private final long eventsAddress;
    private final ByteBuffer receipts;
    private final long receiptsAddress;
    private final ByteBuffer trigger;
    private final long triggerAddress;
    private final ByteBuffer timeout = NativeMemory.allocate(16);
    private final long timeoutAddress = NativeMemory.address(timeout);
    private final jnr.ffi.Pointer timeoutPointer = KqueueNative.pointer(timeoutAddress);

    KqueueReactor(ReactorOptions options) throws IOException {
        super(options);
        this.changes = new ChangeList(layout, MAX_EVENTS);
        this.events = NativeMemory.allocate(MAX_EVENTS * layout.size());
        this.eventsAddress = NativeMemory.address(events);
        this.receipts = NativeMemory.allocate(MAX_EVENTS * layout.size());
        this.receiptsAddress = NativeMemory.address(receipts);
        this.trigger = NativeMemory.allocate(layout.size());
        this.triggerAddress = NativeMemory.address(trigger);
        this.kq = KqueueNative.kqueue();
        int[] pipe = {-1, -1};
        try {
            if (!"pipe".equals(System.getProperty(WAKEUP_PROPERTY)) && addUserEvent()) {
                layout.put(triggerAddress, 0, 0, layout.userFilter(), 0, KeventLayout.NOTE_TRIGGER, 0, WAKE_ID);
            } else {
                pipe = openWakePipe();
            }
        } catch (IOException | RuntimeException e) {
            Posix.close(kq);
            throw e;
        }
        this.wakeReadFd = pipe[0];
        this.wakeWriteFd = pipe[1];
    }

    /** Registers EVFILT_USER; false if this kernel has no such filter. */
    private boolean addUserEvent() throws IOException {
        layout.put(scratchAddress, 0, 0, layout.userFilter(), KeventLayout.EV_ADD | KeventLayout.EV_CLEAR, 0, 0, WAKE_ID);
        try {
            KqueueNative.kevent(kq, scratchAddress, 1, 0, 0, null);
            return true;
        } catch (org.yimmo.posix.NativeIoException e) {
            if (e.errno() == Posix.EINVAL /* unknown filter */) {
                return false;
            }
            throw e;
        }
    }

    /** The fallback: a pipe, its read end registered (level-triggered) with udata 0. */
    private int[] openWakePipe() throws IOException {
        Posix.pipe(scratchAddress);
        int[] fds = {NativeMemory.getInt(scratchAddress), NativeMemory.getInt(scratchAddress + 4)};
        layout.put(scratchAddress, 0, fds[0], KeventLayout.EVFILT_READ, KeventLayout.EV_ADD, 0, 0, WAKE_ID);
        try {
            KqueueNative.kevent(kq, scratchAddress, 1, 0, 0, null);
        } catch (IOException e) {
            Posix.close(fds[0]);
            Posix.close(fds[1]);
            throw e;
        }
        return fds;
    }

    @Override
    public String backend() {
        return "kqueue";
    }

    /** True when wake-ups go through a pipe rather than EVFILT_USER (tests). */
    boolean usesWakePipe() {
        return wakeReadFd >= 0;
    }

    @Override
    public Listener listen(ListenAddress address, ProtocolFactory protocol) throws IOException {
        KqueueListener listener = KqueueListener.bind(this, address, protocol);
        registerListener(listener, listener::register);
        return listener;
    }

    @Override
    public Connection connect(SocketAddress remote, ConnectionHandler handler) throws IOException {
        KqueueConnection connection = KqueueConnection.connect(this, remote);
        connection.setHandler(handler);
        onLoop(connection::register);
        return connection;
    }

    /** Triggers the wake-up event (or writes the pipe); any thread. */
    @Override
    protected void wake() throws IOException {
        if (wakeWriteFd >= 0) {
            NativeMemory.putLong(triggerAddress, 1);
            Posix.write(wakeWriteFd, triggerAddress, 1);
        } else {
            KqueueNative.kevent(kq, triggerAddress, 1, 0, 0, null);
        }
    }

    // Registrations and changes.

    /** Also drops {@code channel}'s pending changes: its descriptor is about to be closed. */
    @Override
    public void unregister(KqueueChannel channel) {
        super.unregister(channel);
        changes.removeDescriptor(channel.fd());
    }

    /** Queues a change for the next kevent call. */
    void change(int fd, short filter, int flags, long udata) {
        if (changes.isFull()) {
            flushWithReceipts();
        }
        changes.add(fd, filter, flags, udata);
    }

    /**
     * Submits the pending changes now, each with EV_RECEIPT: the kernel returns one entry per
     * change (errors in data) and does not scan for readiness, so no event is taken from the
     * queue here.
     */
    private void flushWithReceipts() {
        int count = changes.count();
        changes.markReceipts();
        int returned;
        try {
            returned = KqueueNative.kevent(kq, changes.address(), count, receiptsAddress, count, setTimeout(0));
        } catch (IOException e) {
            log.error("kevent changelist flush failed", e);
            returned = 0;
        } finally {
            changes.clear();
        }
        for (int i = 0; i < returned; i++) {
            if (layout.data(receiptsAddress, i) != 0) {
                onError(receiptsAddress, i);
            }
        }
    }

    int pendingChanges() {
        return changes.count();
    }

    /** Submits the pending changes with the wait, so a turn costs one kevent call. */
    @Override
    protected int poll(long timeoutNanos) throws IOException {
        jnr.ffi.Pointer timeout = timeoutNanos == NO_TIMEOUT ? null : setTimeout(timeoutNanos);
        try {
            return KqueueNative.kevent(kq, changes.address(), changes.count(), eventsAddress, MAX_EVENTS, timeout);
        } finally {
            // Applied, or failed as a whole (then each change's registration is stale anyway).
            changes.clear();
        }
    }

    private jnr.ffi.Pointer setTimeout(long nanos) {
        NativeMemory.putLong(timeoutAddress, nanos / 1_000_000_000L);
        NativeMemory.putLong(timeoutAddress + 8, nanos % 1_000_000_000L);
        return timeoutPointer;
    }

    @Override
    protected int dispatch(int ready) {
        int handled = 0;
        KeventLayout layout = this.layout;
        long base = eventsAddress;
        for (int i = 0; i < ready; i++) {
            int flags = layout.flags(base, i);
            if ((flags & KeventLayout.EV_ERROR) != 0) {
                if (layout.data(base, i) != 0) {
                    onError(base, i);
                }
                continue;
            }
            long udata = layout.udata(base, i);
            if (Registrations.id(udata) == WAKE_ID) {
                drainWakeups();
                continue;
            }
            KqueueChannel channel = channels.find(udata);
            if (channel != null) {
                channel.onReady(layout.filter(base, i), flags, layout.data(base, i));
                handled++;
            }
            notifyClosed();
        }
        return handled;
    }

    /** A change the kernel refused (EV_ERROR, errno in data): the registration it names hears of it. */
    private void onError(long base, int index) {
        long udata = layout.udata(base, index);
        int errno = (int) layout.data(base, index);
        if (Registrations.id(udata) == WAKE_ID) {
            log.error("kevent refused the wake-up registration: {}", Posix.error("kevent", errno).getMessage());
            return;
        }
        KqueueChannel channel = channels.find(udata);
        if (channel != null) {
            channel.onError(layout.filter(base, index), errno);
        }
    }

    private void drainWakeups() {
        if (wakeReadFd < 0) {
            return; // EVFILT_USER with EV_CLEAR resets itself
        }
        try {
            while (Posix.read(wakeReadFd, scratchAddress, 64) > 0) {
                // a burst of wake-ups is drained at once
            }
        } catch (IOException e) {
            log.warn("reading the wake-up pipe failed", e);
        }
    }

    @Override
    protected void closeKernel() {
        if (wakeReadFd >= 0) {
            closeQuietly(wakeReadFd);
            closeQuietly(wakeWriteFd);
        }
        closeQuietly(kq);
    }

    /** What a registration is: a listener or a connection. */
    interface KqueueChannel extends DescriptorEventLoop.Channel {
        /** An event of {@code filter} (EVFILT_READ or EVFILT_WRITE), with its flags and data. */
        void onReady(short filter, int flags, long data);

        /** The kernel refused a change of {@code filter}. */
        void onError(short filter, int errno);
    }
}
