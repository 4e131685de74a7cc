package org.yimmo.reactor.select;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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

/**
 * The reactor on java.nio.channels.Selector.
 *
 * <p>Threading: as {@link Reactor} says; the selector, keys, connections, timers and buffers are
 * touched on the reactor thread only. Other threads enqueue tasks on a lock-free MPSC queue and
 * wake the selector only when the loop has announced that it is going to sleep.
 */
final class SelectReactor implements Reactor {

    private static final Logger log = LoggerFactory.getLogger(SelectReactor.class);

    private final Selector selector;
    private final LongSupplier clock;
    private final ReactorOptions options;
    private final TimerWheel timers;
    private final BufferPool buffers;
    private final MpscUnboundedXaddArrayQueue<Runnable> tasks = new MpscUnboundedXaddArrayQueue<>(1024);
    /** True from just before the loop blocks in select until it returns; producers wake it then. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicLong wakeups = new AtomicLong();
    /** Connections closed during the current dispatch, told after it (handlers are never re-entered). */
    private final ArrayDeque<SelectConnection> closedToNotify = new ArrayDeque<>();
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    private final MessagePassingQueue.Consumer<Runnable> runTask = this::runTask;

    private volatile Thread owner;
    private volatile boolean closeRequested;
    /** Set once on the loop thread; read by producers, who then drop their tasks. */
    private volatile boolean terminated;

    SelectReactor(ReactorOptions options) throws IOException {
        this.options = options;
        this.clock = options.clock();
        this.selector = Selector.open();
        this.timers = new TimerWheel(options.timerTickNanos(), options.timerWheelSize(), clock.getAsLong());
        this.buffers = new BufferPool(options.bufferSize(), options.maxPooledBuffers());
    }

    @Override
    public String backend() {
        return "select";
    }

    @Override
    public Listener listen(ListenAddress address, ProtocolFactory protocol) throws IOException {
        SelectListener listener = SelectListener.bind(this, address, protocol);
        onLoop(() -> {
            try {
                listener.register(selector);
            } catch (IOException e) {
                log.error("cannot register listener {}", address, e);
                listener.close();
            }
        });
        return listener;
    }

    @Override
    public Connection connect(SocketAddress remote, ConnectionHandler handler) throws IOException {
        SocketChannel channel = remote instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        SelectConnection connection;
        try {
            channel.configureBlocking(false);
            boolean connected = channel.connect(remote);
            connection = new SelectConnection(this, channel, connected ? null : remote);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        connection.setHandler(handler);
        onLoop(connection::register);
        return connection;
    }

    /**
     * Runs {@code action} now on the loop thread, or hands it to the loop (which may not have
     * started yet: the socket is already bound, so the kernel queues connections meanwhile).
     */
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
        // Dekker-style pairing with the loop: it sets sleeping and then re-checks the queue; we
        // enqueue and then read sleeping. One side always sees the other, so no task is stranded,
        // and only the producer that flips sleeping pays for a wake-up.
        if (sleeping.get() && !inReactorThread() && sleeping.compareAndSet(true, false)) {
            wakeups.incrementAndGet();
            selector.wakeup();
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

    ReactorOptions options() {
        return options;
    }

    Selector selector() {
        return selector;
    }

    @Override
    public int runOnce(long maxWaitNanos) throws IOException {
        claimThread();
        if (terminated) {
            return 0;
        }
        int handled = runTasks();
        long wait = Math.min(maxWaitNanos, timeUntilNextTimer());
        int ready;
        if (wait <= 0 || !tasks.isEmpty() || closeRequested) {
            ready = selector.selectNow(dispatch);
        } else {
            sleeping.set(true);
            if (!tasks.isEmpty() || closeRequested) {
                ready = selector.selectNow(dispatch);
            } else if (wait >= Long.MAX_VALUE / 2) {
                ready = selector.select(dispatch);
            } else {
                // Round up: waking a hair early would only spin until the timer is due.
                ready = selector.select(dispatch, Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
            }
            sleeping.set(false);
        }
        handled += ready;
        handled += fireTimers();
        notifyClosed();
        handled += runTasks();
        if (closeRequested) {
            shutdown();
        }
        return handled;
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
        selector.wakeup();
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

    private void dispatch(SelectionKey key) {
        if (key.isValid()) {
            ((SelectChannel) key.attachment()).onReady(key.readyOps());
        }
        notifyClosed();
    }

    void closed(SelectConnection connection) {
        closedToNotify.add(connection);
    }

    private void notifyClosed() {
        SelectConnection connection;
        while ((connection = closedToNotify.poll()) != null) {
            connection.notifyClosed();
        }
    }

    private void shutdown() {
        if (terminated) {
            return;
        }
        terminated = true;
        List<SelectionKey> keys = new ArrayList<>(selector.keys());
        for (SelectionKey key : keys) {
            ((SelectChannel) key.attachment()).close();
        }
        notifyClosed();
        runTasks();
        tasks.clear();
        try {
            selector.close();
        } catch (IOException e) {
            log.warn("closing the selector failed", e);
        }
    }

    /** What a selection key is attached to: a listener or a connection. */
    interface SelectChannel {
        void onReady(int readyOps);

        void close();
    }
}
