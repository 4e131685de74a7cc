package org.yimmo.reactor.epoll;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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

/**
 * The reactor on Linux epoll(7), level-triggered, on raw descriptors.
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
final class EpollReactor implements DescriptorReactor {

    private static final Logger log = LoggerFactory.getLogger(EpollReactor.class);
    private static final int MAX_EVENTS = 512;
    /** epoll data of the wake-up eventfd: id 0, which no registration gets. */
    private static final int WAKE_ID = 0;

    private final LongSupplier clock;
    private final ReactorOptions options;
    private final TimerWheel timers;
    private final BufferPool buffers;
    private final MpscUnboundedXaddArrayQueue<Runnable> tasks = new MpscUnboundedXaddArrayQueue<>(1024);
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicLong wakeups = new AtomicLong();
    private final ArrayDeque<EpollConnection> closedToNotify = new ArrayDeque<>();
    private final MessagePassingQueue.Consumer<Runnable> runTask = this::runTask;
    /** Every listener not yet closed, so shutdown closes even those whose registration is queued. */
    private final Set<EpollListener> listeners = ConcurrentHashMap.newKeySet();

    private final int epfd;
    private final int eventFd;
    /** Guards the eventfd against a write from a producer racing its close (rare: wake-ups only). */
    private final Object wakeLock = new Object();
    private boolean wakeFdClosed;

    // Native memory, reactor thread only (the wake value is only ever read by the kernel).
    private final ByteBuffer events = NativeMemory.allocate(MAX_EVENTS * Native.EVENT_SIZE);
    private final long eventsAddress = NativeMemory.address(events);
    private final ByteBuffer wakeValue = NativeMemory.allocate(8).putLong(0, 1);
    private final long wakeValueAddress = NativeMemory.address(wakeValue);
    private final ByteBuffer scratch = NativeMemory.allocate(64);
    private final long scratchAddress = NativeMemory.address(scratch);
    private final ByteBuffer socketAddress = NativeMemory.allocate(org.yimmo.posix.SocketAddresses.SIZE);
    private final long socketAddressAddress = NativeMemory.address(socketAddress);
    private final SocketIo io = new SocketIo();

    private EpollChannel[] channels = new EpollChannel[1024];
    /** Connections whose interest changed since the last wait (reactor thread only). */
    private EpollConnection[] pendingInterest = new EpollConnection[64];
    private int pendingCount;
    private int nextId = 1;

    private volatile Thread owner;
    private volatile boolean closeRequested;
    private volatile boolean terminated;

    EpollReactor(ReactorOptions options) throws IOException {
        this.options = options;
        this.clock = options.clock();
        this.timers = new TimerWheel(options.timerTickNanos(), options.timerWheelSize(), clock.getAsLong());
        this.buffers = new BufferPool(options.bufferSize(), options.maxPooledBuffers());
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
        listeners.add(listener);
        onLoop(listener::register);
        return listener;
    }

    @Override
    public Connection connect(SocketAddress remote, ConnectionHandler handler) throws IOException {
        EpollConnection connection = EpollConnection.connect(this, remote);
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
        // Dekker-style pairing with the loop, as in the select backend: it sets sleeping and then
        // re-checks the queue; we enqueue and then read sleeping. Only the producer that flips
        // sleeping pays for a wake-up.
        if (sleeping.get() && !inReactorThread() && sleeping.compareAndSet(true, false)) {
            wakeups.incrementAndGet();
            wake();
        }
    }

    /** Makes the eventfd readable; any thread. */
    private void wake() {
        synchronized (wakeLock) {
            if (wakeFdClosed) {
                return;
            }
            try {
                Posix.write(eventFd, wakeValueAddress, 8);
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

    // Registrations.

    /** Puts {@code channel} in the table under a fresh id and returns its epoll data. */
    long register(EpollChannel channel) {
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

    /** Removes {@code channel} from the table unless a newer registration took its descriptor. */
    void unregister(EpollChannel channel) {
        int fd = channel.fd();
        if (fd < channels.length && channels[fd] == channel) {
            channels[fd] = null;
        }
    }

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

    /** Applies the interest changes asked for since the last wait. */
    private void applyInterestChanges() {
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
    public int runOnce(long maxWaitNanos) throws IOException {
        claimThread();
        if (terminated) {
            return 0;
        }
        int handled = runTasks();
        applyInterestChanges();
        long wait = Math.min(maxWaitNanos, timeUntilNextTimer());
        int timeoutMillis;
        if (wait <= 0 || !tasks.isEmpty() || closeRequested) {
            timeoutMillis = 0;
        } else {
            sleeping.set(true);
            if (!tasks.isEmpty() || closeRequested) {
                timeoutMillis = 0;
            } else if (wait >= Long.MAX_VALUE / 2) {
                timeoutMillis = -1;
            } else {
                // Round up: waking a hair early would only spin until the timer is due.
                timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
            }
        }
        int ready;
        try {
            ready = Native.epollWait(epfd, eventsAddress, MAX_EVENTS, timeoutMillis);
        } finally {
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

    private int dispatch(int ready) {
        int handled = 0;
        ByteBuffer events = this.events;
        for (int i = 0; i < ready; i++) {
            int offset = i * Native.EVENT_SIZE;
            int flags = events.getInt(offset);
            long data = events.getLong(offset + Native.EVENT_DATA_OFFSET);
            int fd = (int) data;
            int id = (int) (data >>> 32);
            if (id == WAKE_ID) {
                drainWakeups();
                continue;
            }
            EpollChannel[] table = channels;
            EpollChannel channel = fd < table.length ? table[fd] : null;
            if (channel != null && channel.id() == id) {
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

    void closed(EpollConnection connection) {
        closedToNotify.add(connection);
    }

    void listenerClosed(EpollListener listener) {
        listeners.remove(listener);
    }

    private void notifyClosed() {
        EpollConnection connection;
        while ((connection = closedToNotify.poll()) != null) {
            connection.notifyClosed();
        }
    }

    private void shutdown() {
        if (terminated) {
            return;
        }
        terminated = true;
        List<EpollChannel> open = new ArrayList<>();
        for (EpollChannel channel : channels) {
            if (channel != null) {
                open.add(channel);
            }
        }
        open.forEach(EpollChannel::close);
        new ArrayList<>(listeners).forEach(EpollListener::closeNow);
        notifyClosed();
        runTasks();
        tasks.clear();
        synchronized (wakeLock) {
            wakeFdClosed = true;
            closeQuietly(eventFd);
        }
        closeQuietly(epfd);
    }

    private static void closeQuietly(int fd) {
        try {
            Posix.close(fd);
        } catch (IOException e) {
            log.warn("closing descriptor {} failed", fd, e);
        }
    }

    /** What a registration is: a listener or a connection. */
    interface EpollChannel {
        int fd();

        /** The id in the upper half of the epoll data; 0 while not registered. */
        int id();

        void onReady(int events);

        void close();
    }
}
