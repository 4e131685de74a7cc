package org.yimmo.core.reactor;

import java.io.IOException;
import java.util.ArrayDeque;
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
import org.yimmo.core.net.Listener;
import org.yimmo.core.timer.TimerWheel;

/**
 * The loop every {@link Reactor} backend runs, written once: the claim of the reactor thread, the
 * inbox of tasks from other threads, the coalesced wake-up, the timers, the deferred close
 * notices, and the order of one turn, of {@link #run()} and of the shutdown. A backend adds only
 * its kernel: how to wait for readiness and dispatch it ({@link #poll}, {@link #dispatch}), how
 * another thread interrupts the wait ({@link #wakeUpKernel()}), and what it closes at the end
 * ({@link #closeRegistrations()}, {@link #closeKernelResources()}); listening and connecting are
 * its own too.
 *
 * <p>One turn ({@link #runOnce(long)}): a bounded batch of tasks, {@link #beforePoll()}, a poll no
 * longer than the caller allows and the next timer is away (none at all if a task or a close is
 * pending), dispatch, due timers, close notices, the tasks that arrived meanwhile, and the
 * shutdown if {@link #close()} was asked for.
 *
 * <p>Threading: as {@link Reactor} says. Other threads enqueue tasks on a lock-free MPSC queue
 * and wake the kernel only when the loop has announced that it is going to sleep. A turn
 * allocates nothing here: the task consumer is made once and the queues reuse their storage.
 */
public abstract class EventLoop implements Reactor {

    /** The timeout {@link #poll} gets when nothing limits the wait. */
    protected static final long NO_TIMEOUT = -1;

    /** The concrete backend's logger, so its messages keep the backend's name. */
    private final Logger log = LoggerFactory.getLogger(getClass());
    private final LongSupplier clock;
    private final ReactorOptions options;
    private final TimerWheel timers;
    private final BufferPool buffers;
    private final MpscUnboundedXaddArrayQueue<Runnable> tasks = new MpscUnboundedXaddArrayQueue<>(1024);
    /** True from just before the loop blocks in the kernel until it returns; producers wake it then. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicLong wakeups = new AtomicLong();
    /** Connections closed during the current callback, told after it (handlers are never re-entered). */
    private final ArrayDeque<ClosedNotice> closedToNotify = new ArrayDeque<>();
    private final MessagePassingQueue.Consumer<Runnable> runTask = this::runTask;
    /** Every listener not yet closed, so the shutdown closes even one whose registration is still queued. */
    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();

    private volatile Thread owner;
    /** close() came before any thread ran the loop, and shut it down on the closing thread. */
    private volatile boolean closedBeforeRunning;
    private volatile boolean closeRequested;
    /** Set once on the loop thread; read by producers, who then drop their tasks. */
    private volatile boolean terminated;

    protected EventLoop(ReactorOptions options) {
        this.options = options;
        this.clock = options.clock();
        this.timers = new TimerWheel(options.timerTickNanos(), options.timerWheelSize(), clock.getAsLong());
        this.buffers = new BufferPool(options.bufferSize(), options.maxPooledBuffers());
    }

    // ---------------------------------------------------------------- what a backend supplies

    /**
     * Waits in the kernel for readiness, at most {@code timeoutNanos} ({@link #NO_TIMEOUT}: no
     * limit; 0: not at all), and returns what {@link #dispatch} needs: the number of entries the
     * kernel returned. A kernel interface that dispatches as it returns (the JDK's selector calls
     * a consumer) may do it here and return the number handled.
     */
    protected abstract int poll(long timeoutNanos) throws IOException;

    /**
     * Hands the {@code ready} entries of the last {@link #poll} to their registrations, calling
     * {@link #notifyClosed()} after each one's callback; returns the I/O events handled. The
     * loop is no longer marked asleep by then, so tasks submitted meanwhile cost no wake-up.
     */
    protected abstract int dispatch(int ready);

    /**
     * Makes a blocked (or the next) {@link #poll} return at once; any thread. May be called after
     * {@link #closeKernelResources()} (a late {@link #close()}), and must then do no harm.
     */
    protected abstract void wakeUpKernel();

    /** At shutdown, on the loop thread: closes every listener and connection still open. */
    protected abstract void closeRegistrations();

    /** Last in the shutdown: releases the kernel's side (selector, descriptors). */
    protected abstract void closeKernelResources();

    /**
     * After the turn's first tasks, before the wait is reckoned; for what those tasks asked of
     * the kernel and must reach it before the wait (epoll's deferred interest changes).
     */
    protected void beforePoll() {
    }

    // ---------------------------------------------------------------- for the backend

    /**
     * Runs {@code action} now on the loop thread, or hands it to the loop (which may not have
     * started yet: the socket is already bound, so the kernel queues connections meanwhile).
     */
    protected final void onLoop(Runnable action) {
        if (inReactorThread()) {
            action.run();
        } else {
            execute(action);
        }
    }

    /**
     * For a backend's {@code listen}: runs {@code registration} on the loop, and keeps the
     * listener until {@link #listenerClosed}, for the shutdown to close (its registration may
     * still be queued then; a backend's registration skips a closed listener). A loop that has
     * already ended would never close it: then it is closed here and the caller is told.
     */
    protected final void registerListener(Listener listener, Runnable registration) throws IOException {
        listeners.add(listener);
        if (!terminated) {
            onLoop(registration);
        }
        // Read after the listener joined the set: a shutdown that begins later closes it.
        if (terminated) {
            listener.close();
            throw new IOException("cannot listen on " + listener.address() + ": the reactor is closed");
        }
    }

    /** A listener of this loop closed: the shutdown has nothing left to do for it. */
    protected final void listenerClosed(Listener listener) {
        listeners.remove(listener);
    }

    /** A connection closed during a callback: its handler hears of it once the callback returns. */
    protected final void notifyClosedLater(ClosedNotice connection) {
        closedToNotify.add(connection);
    }

    /** Tells the handlers of the connections closed since the last call; after each callback. */
    protected final void notifyClosed() {
        ClosedNotice connection;
        while ((connection = closedToNotify.poll()) != null) {
            connection.notifyClosed();
        }
    }

    /**
     * A timeout in whole milliseconds, for kernels that take no finer one. Rounded up: waking a
     * hair early would only spin until the timer is due.
     */
    protected static long roundUpToMillis(long timeoutNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999));
    }

    // ---------------------------------------------------------------- the reactor

    @Override
    public final void execute(Runnable task) {
        if (terminated) {
            return;
        }
        tasks.offer(task);
        // Dekker-style pairing with the loop: it sets sleeping and then re-checks the queue; we
        // enqueue and then read sleeping. One side always sees the other, so no task is stranded,
        // and only the producer that flips sleeping pays for a wake-up.
        if (sleeping.get() && !inReactorThread() && sleeping.compareAndSet(true, false)) {
            wakeups.incrementAndGet();
            wakeUpKernel();
        }
    }

    @Override
    public final boolean inReactorThread() {
        return Thread.currentThread() == owner;
    }

    @Override
    public final long nanoTime() {
        return clock.getAsLong();
    }

    @Override
    public final TimerWheel timers() {
        return timers;
    }

    @Override
    public final BufferPool buffers() {
        return buffers;
    }

    public final ReactorOptions options() {
        return options;
    }

    /** True once a thread runs the loop; any thread. */
    public final boolean hasOwner() {
        return owner != null;
    }

    /** True once the loop has ended; any thread. */
    public final boolean isTerminated() {
        return terminated;
    }

    @Override
    public final int runOnce(long maxWaitNanos) throws IOException {
        if (!claimThread()) {
            return 0;
        }
        if (terminated) {
            return 0;
        }
        int handled = runTasks();
        beforePoll();
        long wait = Math.min(maxWaitNanos, timeUntilNextTimer());
        int ready;
        if (wait <= 0 || !tasks.isEmpty() || closeRequested) {
            ready = poll(0);
        } else {
            sleeping.set(true);
            try {
                // Re-check after announcing the sleep: a producer that enqueued before reading
                // the flag is seen here, any later one sees the flag and wakes the kernel.
                if (!tasks.isEmpty() || closeRequested) {
                    ready = poll(0);
                } else if (wait >= Long.MAX_VALUE / 2) {
                    ready = poll(NO_TIMEOUT);
                } else {
                    ready = poll(wait);
                }
            } finally {
                sleeping.set(false);
            }
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

    @Override
    public final void run() {
        if (!claimThread()) {
            return;
        }
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
    public final void close() {
        closeRequested = true;
        if (claimUnowned(true)) {
            shutdown(); // it never ran, so no loop would: release its sockets here, now
        } else {
            wakeUpKernel();
        }
    }

    @Override
    public final long wakeups() {
        return wakeups.get();
    }

    // ---------------------------------------------------------------- the loop's own

    /**
     * Makes the calling thread the loop's for good, or checks that it is; false when there is
     * nothing left to run: a close shut the loop down before any thread ran it.
     */
    private boolean claimThread() {
        Thread current = Thread.currentThread();
        claimUnowned(false);
        if (owner != current) {
            if (closedBeforeRunning) {
                return false;
            }
            throw new IllegalStateException("reactor belongs to thread " + owner.getName()
                    + ", not " + current.getName());
        }
        return true;
    }

    /**
     * Takes the loop for the calling thread if no thread has it yet; true if this call did. A
     * closing claim marks the loop first, so a thread that sees the owner sees the mark too.
     */
    private boolean claimUnowned(boolean closing) {
        if (owner != null) {
            return false;
        }
        synchronized (this) {
            if (owner != null) {
                return false;
            }
            closedBeforeRunning = closing;
            owner = Thread.currentThread();
            return true;
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

    /**
     * Once, on the loop thread: closes everything (their handlers hear of it), runs the tasks
     * already queued (a close from another thread is one), drops the rest, then lets the kernel go.
     */
    private void shutdown() {
        if (terminated) {
            return;
        }
        terminated = true;
        closeRegistrations();
        for (Listener listener : listeners.toArray(new Listener[0])) {
            listener.close(); // on the loop thread, so at once
        }
        notifyClosed();
        runTasks();
        tasks.clear();
        closeKernelResources();
    }

    /**
     * What a connection leaves with the loop when it closes during a callback: the loop calls
     * {@link #notifyClosed()} once that callback has returned.
     */
    public interface ClosedNotice {
        void notifyClosed();
    }
}
