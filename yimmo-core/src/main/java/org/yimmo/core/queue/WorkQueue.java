package org.yimmo.core.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.jctools.queues.SpmcArrayQueue;

/**
 * The hand-off from the server thread to the worker threads: a bounded, lock-free queue with one
 * producer and any number of consumers, which parks idle workers and wakes them only when needed.
 *
 * <p>Threading: {@link #offer} is called by one thread only, the producer (the reactor thread);
 * calling it from two threads at once corrupts the queue. {@link #take}, {@link #poll} and their
 * variants may be called by any number of worker threads. {@link #close()} may be called from
 * any thread. The space-available callback runs on the producer's {@link Executor}.
 *
 * <p>Caveats: {@code offer} never blocks and drops nothing: when it returns {@code false} the
 * caller keeps the item and should stop taking new work; the space-available callback then runs
 * once, after a consumer frees a slot. The callback may occasionally run although the producer's
 * last {@code offer} succeeded (a consumer freed space between the producer's two attempts), so
 * it must be idempotent ("resume if paused"). The capacity is rounded up to a power of two.
 * After {@link #close()}, {@code offer} returns {@code false} (and no callback follows) and
 * {@code take} returns {@code null} once the queue is empty. Per thread, the first {@code take}
 * that has to wait allocates that thread's parking node; nothing else allocates per item.
 *
 * <p>Wake-up policy: a worker that finds the queue empty pushes itself onto a lock-free stack
 * of idle workers, re-checks the queue, and parks. Each successful {@code offer} pops and unparks
 * at most one idle worker (none if the stack is empty, which costs one fence and one volatile
 * read). A worker that takes an item and sees more items waiting while other workers are idle
 * wakes one of them, so a wake-up absorbed by a worker that was already running is passed on, and
 * items never wait behind a busy worker while another one sleeps.
 */
public final class WorkQueue<T> {

    private static final VarHandle REFUSED;
    private static final VarHandle CLOSED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REFUSED = lookup.findVarHandle(WorkQueue.class, "refused", int.class);
            CLOSED = lookup.findVarHandle(WorkQueue.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Runnable NO_HOOK = () -> { };

    private final Queue<T> queue;
    private final int capacity;
    private final Executor producerExecutor;
    private final Runnable onSpaceAvailable;
    private final WaiterStack idle = new WaiterStack();

    /** 1 while the producer has been refused and no consumer has yet claimed the callback. */
    private volatile int refused;
    private volatile boolean closed;

    /**
     * A queue backed by a JCTools {@link SpmcArrayQueue}.
     *
     * <p>Why SPMC rather than MPMC: the producer is always the one reactor thread, so its
     * {@code offer} can publish with a plain element store and an ordered index store (no CAS),
     * and only the workers contend, on the consumer index. MPMC would add a CAS and a sequence
     * array to every offer for multi-producer safety we do not need. The one cost of SPMC is that
     * a producer finding its next slot claimed but not yet cleared by a consumer spins for the few
     * instructions until that consumer nulls it (longer if that worker is descheduled right there).
     *
     * @param capacity the bound (at least 2), rounded up to a power of two
     * @param producerExecutor runs {@code onSpaceAvailable}; the reactor
     * @param onSpaceAvailable pre-made callback run on {@code producerExecutor} once after each
     *     refused {@code offer}, when a consumer frees space; may be {@code null} for none
     */
    public WorkQueue(int capacity, Executor producerExecutor, Runnable onSpaceAvailable) {
        this(new SpmcArrayQueue<>(checkCapacity(capacity)), roundToPowerOfTwo(capacity),
                producerExecutor, onSpaceAvailable);
    }

    /**
     * Same policy over another queue, for comparisons (the benchmarks use {@code ArrayBlockingQueue}). The queue
     * must be bounded at {@code capacity}, safe for one producer and many consumers, and its
     * {@code offer} and {@code poll} must each include a volatile write or CAS that orders the
     * element hand-off (as every {@code java.util.concurrent} queue's do): the refusal handshake
     * relies on the consumer's {@code poll} acting as a full fence before it reads the flag.
     */
    public static <T> WorkQueue<T> withQueue(Queue<T> queue, int capacity, Executor producerExecutor,
            Runnable onSpaceAvailable) {
        return new WorkQueue<>(queue, capacity, producerExecutor, onSpaceAvailable);
    }

    private WorkQueue(Queue<T> queue, int capacity, Executor producerExecutor,
            Runnable onSpaceAvailable) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.capacity = capacity;
        this.producerExecutor = Objects.requireNonNull(producerExecutor, "producerExecutor");
        this.onSpaceAvailable = onSpaceAvailable;
    }

    /**
     * Producer only. Enqueues {@code item} and wakes one idle worker if any is parked.
     *
     * @return {@code false} if the queue is full (the item is not taken; the space-available
     *     callback will run once a worker frees a slot) or closed (no callback)
     */
    public boolean offer(T item) {
        Objects.requireNonNull(item, "item");
        if (closed) {
            return false;
        }
        if (queue.offer(item)) {
            signal();
            return true;
        }
        return refuse(item);
    }

    private boolean refuse(T item) {
        if (onSpaceAvailable == null) {
            return false;
        }
        // Set the flag, then try once more. A consumer polls, then reads the flag; we write the
        // flag, then re-read the queue indices. Both sides' accesses are sequentially consistent
        // (volatile / CAS), so either our retry sees the slot the consumer freed, or the consumer
        // sees the flag and schedules the callback: the producer cannot stay paused for good.
        int previous = (int) REFUSED.getAndSet(this, 1);
        if (!queue.offer(item)) {
            return false;
        }
        // Space appeared between the two attempts. Withdraw the refusal we just registered, unless
        // an earlier refusal of this episode (previous == 1) still awaits its callback. If a
        // consumer already claimed it, the callback runs although we succeeded: harmless.
        if (previous == 0) {
            REFUSED.compareAndSet(this, 1, 0);
        }
        signal();
        return true;
    }

    /**
     * After a successful offer: wake one idle worker if any. The fence orders the queue's
     * (release-only) publication before the read of the idle stack; the worker pushes itself
     * (CAS) before re-polling. So either we see it on the stack, or it sees our item.
     */
    private void signal() {
        VarHandle.fullFence();
        if (idle.hasWaiters()) {
            idle.wakeOne();
        }
    }

    /** Any thread. The next item, or {@code null} if the queue is empty; never parks. */
    public T poll() {
        return took(queue.poll());
    }

    /**
     * Worker side. Returns the next item, parking while the queue is empty.
     *
     * @return the item, or {@code null} once the queue is {@linkplain #close() closed} and empty
     * @throws InterruptedException if the thread is interrupted while it would park (the interrupt
     *     status is cleared); an item already available is returned even if interrupted
     */
    public T take() throws InterruptedException {
        return take(NO_HOOK, NO_HOOK);
    }

    /**
     * {@link #take()} with hooks around the wait, e.g. to release a GIL while parked.
     * {@code beforePark} runs at most once per call, when the queue was found empty and the
     * worker is about to park (the queue is re-checked after it, so the call may still return
     * without parking); {@code afterWake} runs once, after the last wake-up, before this call
     * returns or throws, if and only if {@code beforePark} ran. Spurious wake-ups in between do
     * not run them again. Neither runs if an item is available at once. Pass pre-made instances:
     * nothing is allocated.
     */
    public T take(Runnable beforePark, Runnable afterWake) throws InterruptedException {
        T item = queue.poll();
        if (item != null) {
            return took(item);
        }
        return await(beforePark, afterWake);
    }

    private T await(Runnable beforePark, Runnable afterWake) throws InterruptedException {
        WaiterStack.Waiter self = idle.current();
        boolean parked = false;
        T item;
        try {
            for (;;) {
                // Publish "idle" (ends with a CAS, a full fence), then re-check: an offer that
                // the re-check misses must see us on the stack and unpark us.
                idle.arm(self);
                item = queue.poll();
                if (item != null || closed) {
                    // close() sets the flag before it wakes the stack, so an armed worker that
                    // misses the flag here is woken and sees it on the next turn.
                    break;
                }
                if (Thread.interrupted()) {
                    // We may have been woken for an item we will not take: pass that on
                    // (withdrawn first, so the wake-up cannot land on us again).
                    idle.disarm(self);
                    if (idle.hasWaiters() && !queue.isEmpty()) {
                        idle.wakeOne();
                    }
                    throw new InterruptedException();
                }
                if (!parked) {
                    // Once per call; then re-check, as the hook may take a while (and a lock in
                    // it could swallow a permit; WaiterStack.park copes with that).
                    beforePark.run();
                    parked = true;
                    continue;
                }
                // Parks only if no waker has claimed us since we armed (see WaiterStack.park).
                idle.park(self, this);
                // Woken by an offer, a passed-on wake-up, close(), an interrupt, a stale permit
                // or spuriously: all lead back to arming and re-checking.
            }
        } finally {
            // Withdraw before took() so a pass-on wake-up never targets ourselves.
            idle.disarm(self);
            if (parked) {
                afterWake.run();
            }
        }
        return took(item);
    }

    /** Consumer-side bookkeeping after a poll: the refusal callback and passing a wake-up on. */
    private T took(T item) {
        if (item == null) {
            return null;
        }
        // Our poll's CAS (or lock release) precedes this read; see refuse().
        if (refused != 0 && REFUSED.compareAndSet(this, 1, 0)) {
            producerExecutor.execute(onSpaceAvailable);
        }
        // More items and someone asleep: the producer woke at most one worker per item, and that
        // wake-up may have been used by a worker that was running anyway (us). Pass it on.
        if (idle.hasWaiters() && !queue.isEmpty()) {
            idle.wakeOne();
        }
        return item;
    }

    /**
     * Any thread, idempotent. Rejects further offers and wakes every parked worker; their
     * {@code take} calls return the items still queued, then {@code null}. Best called on the
     * producer thread: an {@code offer} racing with a {@code close} from another thread may be
     * accepted after the last worker has already returned {@code null}, and that item stays
     * queued ({@link #poll()} can collect it).
     */
    public void close() {
        CLOSED.setVolatile(this, true);
        idle.wakeAll();
    }

    public boolean isClosed() {
        return closed;
    }

    /** The bound, after rounding up to a power of two. */
    public int capacity() {
        return capacity;
    }

    /** A snapshot, exact only when nothing runs concurrently. */
    public int size() {
        return queue.size();
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** True if some worker is (about to be) parked in {@code take}; for tests and metrics. */
    boolean hasIdleWorkers() {
        return idle.hasWaiters();
    }

    static int checkCapacity(int capacity) {
        if (capacity < 2 || capacity > (1 << 30)) {
            throw new IllegalArgumentException("capacity must be in [2, 2^30]: " + capacity);
        }
        return capacity;
    }

    static int roundToPowerOfTwo(int capacity) {
        return capacity <= 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1;
    }
}
