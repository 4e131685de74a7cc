package org.yimmo.reactor.kqueue;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.buffer.BufferPool;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.timer.TimerWheel;
import org.yimmo.posix.NativeMemory;
import org.yimmo.posix.DescriptorReactor;
import org.yimmo.posix.Posix;
import org.yimmo.posix.SocketIo;
import org.yimmo.posix.SocketAddresses;

/**
 * The reactor on BSD and macOS kqueue(2), on raw descriptors; the structure of the epoll
 * reactor, with kqueue's two filters per descriptor.
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
final class KqueueReactor implements DescriptorReactor {

    private static final Logger log = LoggerFactory.getLogger(KqueueReactor.class);
    static final String WAKEUP_PROPERTY = "yimmo.kqueue.wakeup";
    static final int MAX_EVENTS = 512;
    /** udata of the wake-up event: id 0, which no registration gets. */
    private static final int WAKE_ID = 0;

    private final LongSupplier clock;
    private final ReactorOptions options;
    private final TimerWheel timers;
    private final BufferPool buffers;
    private final MpscUnboundedXaddArrayQueue<Runnable> tasks = new MpscUnboundedXaddArrayQueue<>(1024);
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicLong wakeups = new AtomicLong();
    private final ArrayDeque<KqueueConnection> closedToNotify = new ArrayDeque<>();
    private final MessagePassingQueue.Consumer<Runnable> runTask = this::runTask;
    /** Every listener not yet closed, so shutdown closes even those whose registration is queued. */
    private final Set<KqueueListener> listeners = ConcurrentHashMap.newKeySet();

    private final KeventLayout layout = KqueueNative.LAYOUT;
    private final int kq;
    /** -1 with EVFILT_USER; else the pipe whose write end wakes the loop. */
    private final int wakeReadFd;
    private final int wakeWriteFd;
    /** Guards the wake-up against a producer racing the close of the kqueue or pipe. */
    private final Object wakeLock = new Object();
    private boolean wakeClosed;

    // Native memory, reactor thread only (the trigger change is used under wakeLock).
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
    private final ByteBuffer scratch = NativeMemory.allocate(64);
    private final long scratchAddress = NativeMemory.address(scratch);
    private final ByteBuffer socketAddress = NativeMemory.allocate(SocketAddresses.SIZE);
    private final long socketAddressAddress = NativeMemory.address(socketAddress);
    private final SocketIo io = new SocketIo();

    private KqueueChannel[] channels = new KqueueChannel[1024];
    private int nextId = 1;

    private volatile Thread owner;
    private volatile boolean closeRequested;
    private volatile boolean terminated;

    KqueueReactor(ReactorOptions options) throws IOException {
        this.options = options;
        this.clock = options.clock();
        this.timers = new TimerWheel(options.timerTickNanos(), options.timerWheelSize(), clock.getAsLong());
        this.buffers = new BufferPool(options.bufferSize(), options.maxPooledBuffers());
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
        listeners.add(listener);
        onLoop(listener::register);
        return listener;
    }

    @Override
    public Connection connect(SocketAddress remote, ConnectionHandler handler) throws IOException {
        KqueueConnection connection = KqueueConnection.connect(this, remote);
        connection.setHandler(handler);
        onLoop(connection::register);
        return connection;
    }

    private void onLoop(Runnable action) {
        if (inReactorThread()) {
            action.run();
        } else {
            execute(action);
        }
    }

    @Override
    public void execute(Runnable task) {
        if (terminated) {
            return;
        }
        tasks.offer(task);
        // Dekker-style pairing with the loop, as in the other backends: it sets sleeping and then
        // re-checks the queue; we enqueue and then read sleeping. Only the producer that flips
        // sleeping pays for a wake-up.
        if (sleeping.get() && !inReactorThread() && sleeping.compareAndSet(true, false)) {
            wakeups.incrementAndGet();
            wake();
        }
    }

    /** Triggers the wake-up event (or writes the pipe); any thread. */
    private void wake() {
        synchronized (wakeLock) {
            if (wakeClosed) {
                return;
            }
            try {
                if (wakeWriteFd >= 0) {
                    NativeMemory.putLong(triggerAddress, 1);
                    Posix.write(wakeWriteFd, triggerAddress, 1);
                } else {
                    KqueueNative.kevent(kq, triggerAddress, 1, 0, 0, null);
                }
            } catch (IOException e) {
                log.warn("waking the reactor failed", e);
            }
        }
    }

    @Override
    public boolean inReactorThread() {
        return Thread.currentThread() == owner;
    }

    @Override
    public long nanoTime() {
        return clock.getAsLong();
    }

    @Override
    public TimerWheel timers() {
        return timers;
    }

    @Override
    public BufferPool buffers() {
        return buffers;
    }

    @Override
    public ReactorOptions options() {
        return options;
    }

    @Override
    public boolean isTerminated() {
        return terminated;
    }

    @Override
    public boolean hasOwner() {
        return owner != null;
    }

    // Scratch native memory for the reactor thread.

    @Override
    public long scratchAddress() {
        return scratchAddress;
    }

    @Override
    public ByteBuffer socketAddress() {
        return socketAddress;
    }

    @Override
    public long socketAddressAddress() {
        return socketAddressAddress;
    }



    /** Socket I/O with this reactor's native buffers; reactor thread only. */
    @Override
    public SocketIo io() {
        return io;
    }

    // Registrations and changes.

    /** Puts {@code channel} in the table under a fresh id and returns its udata. */
    long register(KqueueChannel channel) {
        int fd = channel.fd();
        if (fd >= channels.length) {
            channels = Arrays.copyOf(channels, Math.max(fd + 1, channels.length * 2));
        }
        channels[fd] = channel;
        int id = nextId++;
        if (nextId == WAKE_ID) {
            nextId++;
        }
        return (long) id << 32 | (fd & 0xffffffffL);
    }

    /**
     * Removes {@code channel} from the table unless a newer registration took its descriptor,
     * and drops its pending changes; called just before the descriptor is closed.
     */
    void unregister(KqueueChannel channel) {
        int fd = channel.fd();
        if (fd < channels.length && channels[fd] == channel) {
            channels[fd] = null;
        }
        changes.removeDescriptor(fd);
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

    @Override
    public int runOnce(long maxWaitNanos) throws IOException {
        claimThread();
        if (terminated) {
            return 0;
        }
        int handled = runTasks();
        long wait = Math.min(maxWaitNanos, timeUntilNextTimer());
        jnr.ffi.Pointer timeout;
        if (wait <= 0 || !tasks.isEmpty() || closeRequested) {
            timeout = setTimeout(0);
        } else {
            sleeping.set(true);
            if (!tasks.isEmpty() || closeRequested) {
                timeout = setTimeout(0);
            } else if (wait >= Long.MAX_VALUE / 2) {
                timeout = null; // no limit
            } else {
                timeout = setTimeout(wait);
            }
        }
        int ready;
        try {
            ready = KqueueNative.kevent(kq, changes.address(), changes.count(), eventsAddress, MAX_EVENTS, timeout);
        } finally {
            // Applied, or failed as a whole (then each change's registration is stale anyway).
            changes.clear();
            sleeping.set(false);
        }
        handled += dispatch(ready);
        handled += fireTimers();
        notifyClosed();
        handled += runTasks();
        if (closeRequested) {
            shutdown();
        }
        return handled;
    }

    private jnr.ffi.Pointer setTimeout(long nanos) {
        NativeMemory.putLong(timeoutAddress, nanos / 1_000_000_000L);
        NativeMemory.putLong(timeoutAddress + 8, nanos % 1_000_000_000L);
        return timeoutPointer;
    }

    private int dispatch(int ready) {
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
            int id = (int) (udata >>> 32);
            if (id == WAKE_ID) {
                drainWakeups();
                continue;
            }
            KqueueChannel channel = channelFor(udata);
            if (channel != null) {
                channel.onReady(layout.filter(base, i), flags, layout.data(base, i));
                handled++;
            }
            notifyClosed();
        }
        return handled;
    }

    /** The live registration {@code udata} names, or null if it is stale. */
    private KqueueChannel channelFor(long udata) {
        int fd = (int) udata;
        int id = (int) (udata >>> 32);
        KqueueChannel[] table = channels;
        KqueueChannel channel = fd >= 0 && fd < table.length ? table[fd] : null;
        return channel != null && channel.id() == id ? channel : null;
    }

    /** A change the kernel refused (EV_ERROR, errno in data): the registration it names hears of it. */
    private void onError(long base, int index) {
        long udata = layout.udata(base, index);
        int errno = (int) layout.data(base, index);
        if ((int) (udata >>> 32) == WAKE_ID) {
            log.error("kevent refused the wake-up registration: {}", Posix.error("kevent", errno).getMessage());
            return;
        }
        KqueueChannel channel = channelFor(udata);
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

    /** A failing timer task is logged; the wheel keeps the others pending, so go on polling. */
    private int fireTimers() {
        long now = clock.getAsLong();
        int fired = 0;
        for (;;) {
            try {
                return fired + timers.poll(now, Integer.MAX_VALUE);
            } catch (RuntimeException e) {
                fired++;
                log.error("timer task failed", e);
            }
        }
    }

    private long timeUntilNextTimer() {
        long next = timers.nextDeadline();
        return next == TimerWheel.NO_DEADLINE ? Long.MAX_VALUE : next - clock.getAsLong();
    }

    @Override
    public void run() {
        claimThread();
        try {
            while (!terminated) {
                runOnce(Long.MAX_VALUE);
            }
        } catch (Throwable t) {
            log.error("reactor loop failed; closing every connection", t);
            shutdown();
            if (t instanceof Error error) {
                throw error;
            }
        }
    }

    @Override
    public void close() {
        closeRequested = true;
        wake();
    }

    @Override
    public long wakeups() {
        return wakeups.get();
    }

    private void claimThread() {
        Thread current = Thread.currentThread();
        if (owner == null) {
            synchronized (this) {
                if (owner == null) {
                    owner = current;
                }
            }
        }
        if (owner != current) {
            throw new IllegalStateException("reactor belongs to thread " + owner.getName()
                    + ", not " + current.getName());
        }
    }

    private int runTasks() {
        int ran = tasks.drain(runTask, options.tasksPerTurn());
        notifyClosed();
        return ran;
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("task {} failed", task, t);
        }
    }

    void closed(KqueueConnection connection) {
        closedToNotify.add(connection);
    }

    void listenerClosed(KqueueListener listener) {
        listeners.remove(listener);
    }

    private void notifyClosed() {
        KqueueConnection connection;
        while ((connection = closedToNotify.poll()) != null) {
            connection.notifyClosed();
        }
    }

    private void shutdown() {
        if (terminated) {
            return;
        }
        terminated = true;
        List<KqueueChannel> open = new ArrayList<>();
        for (KqueueChannel channel : channels) {
            if (channel != null) {
                open.add(channel);
            }
        }
        open.forEach(KqueueChannel::close);
        new ArrayList<>(listeners).forEach(KqueueListener::closeNow);
        notifyClosed();
        runTasks();
        tasks.clear();
        synchronized (wakeLock) {
            wakeClosed = true;
            if (wakeReadFd >= 0) {
                closeQuietly(wakeReadFd);
                closeQuietly(wakeWriteFd);
            }
            closeQuietly(kq);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Posix.close(fd);
        } catch (IOException e) {
            log.warn("closing descriptor {} failed", fd, e);
        }
    }

    /** What a registration is: a listener or a connection. */
    interface KqueueChannel {
        int fd();

        /** The id in the upper half of the udata; 0 while not registered. */
        int id();

        /** An event of {@code filter} (EVFILT_READ or EVFILT_WRITE), with its flags and data. */
        void onReady(short filter, int flags, long data);

        /** The kernel refused a change of {@code filter}. */
        void onError(short filter, int errno);

        void close();
    }
}
