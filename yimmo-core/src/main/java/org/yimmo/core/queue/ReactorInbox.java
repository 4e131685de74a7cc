package org.yimmo.core.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.jctools.queues.MpscArrayQueue;

/**
 * The hand-off from worker threads back to the server thread: a bounded, lock-free queue with
 * any number of producers and one consumer, drained on the reactor in coalesced batches.
 *
 * <p>Threading: {@link #offer}, {@link #put} and {@link #close()} may be called from any thread
 * <em>except</em> that {@code put} must never be called on the reactor thread (it would wait for
 * a drain that only that thread can run). The sink is called on the reactor thread only, through
 * the reactor {@link Executor}, one item at a time, in per-producer FIFO order.
 *
 * <p>Caveats: the capacity is rounded up to a power of two. A drain handles at most
 * {@code batchSize} items and then re-submits itself, so one busy inbox cannot starve the rest of
 * the reactor; a burst of offers costs one {@code execute}, not one per item. If the sink throws,
 * the drain stops, re-submits itself if items remain, and the exception propagates to the
 * executor. Per thread, the first {@code put} that has to wait allocates that thread's parking
 * node; nothing else allocates per item. {@link #close()} only affects producers: items already
 * queued are still drained.
 */
public final class ReactorInbox<T> {

    /** Default for the most items one drain run handles before yielding the reactor. */
    public static final int DEFAULT_BATCH_SIZE = 1024;

    private static final VarHandle SCHEDULED;
    private static final VarHandle CLOSED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SCHEDULED = lookup.findVarHandle(ReactorInbox.class, "scheduled", int.class);
            CLOSED = lookup.findVarHandle(ReactorInbox.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Runnable NO_HOOK = () -> { };

    private final Queue<T> queue;
    private final int capacity;
    private final int batchSize;
    private final Executor reactor;
    private final Consumer<? super T> sink;
    private final WaiterStack blockedProducers = new WaiterStack();
    /** The one drain task, submitted at most once at a time. */
    private final Runnable drainTask = this::drain;

    /** 1 from a successful CAS in scheduleDrain() until the drain starts running. */
    private volatile int scheduled;
    private volatile boolean closed;

    /** An inbox over a JCTools {@link MpscArrayQueue}, draining up to 1024 items per run. */
    public ReactorInbox(int capacity, Executor reactor, Consumer<? super T> sink) {
        this(capacity, DEFAULT_BATCH_SIZE, reactor, sink);
    }

    /**
     * An inbox over a JCTools {@link MpscArrayQueue}.
     *
     * @param capacity the bound (at least 2), rounded up to a power of two
     * @param batchSize the most items one drain run hands to {@code sink} before re-submitting
     * @param reactor runs the drain; the reactor's executor
     * @param sink receives every item on the reactor thread
     */
    public ReactorInbox(int capacity, int batchSize, Executor reactor, Consumer<? super T> sink) {
        this(new MpscArrayQueue<>(WorkQueue.checkCapacity(capacity)),
                WorkQueue.roundToPowerOfTwo(capacity), batchSize, reactor, sink);
    }

    /**
     * Same policy over another queue, for comparisons (the benchmarks use {@code ArrayBlockingQueue}). The queue
     * must be bounded at {@code capacity}, safe for many producers and one consumer, and its
     * {@code offer} and {@code poll} must each include a volatile write or CAS ordering the
     * hand-off (as every {@code java.util.concurrent} queue's do), and a {@code poll} that sees
     * an offer's index must also see its element (JCTools' {@code poll}, unlike
     * {@code relaxedPoll}, spins for it).
     */
    public static <T> ReactorInbox<T> withQueue(Queue<T> queue, int capacity, int batchSize,
            Executor reactor, Consumer<? super T> sink) {
        return new ReactorInbox<>(queue, capacity, batchSize, reactor, sink);
    }

    private ReactorInbox(Queue<T> queue, int capacity, int batchSize, Executor reactor,
            Consumer<? super T> sink) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
        }
        this.queue = Objects.requireNonNull(queue, "queue");
        this.capacity = capacity;
        this.batchSize = batchSize;
        this.reactor = Objects.requireNonNull(reactor, "reactor");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Any thread. Enqueues {@code item} and makes sure a drain is scheduled.
     *
     * @return {@code false} if the inbox is full or closed (the item is not taken)
     */
    public boolean offer(T item) {
        Objects.requireNonNull(item, "item");
        if (closed || !queue.offer(item)) {
            return false;
        }
        scheduleDrain();
        return true;
    }

    /**
     * Any thread but the reactor's. Enqueues {@code item}, parking while the inbox is full until
     * a drain makes room.
     *
     * @return {@code true} once enqueued; {@code false} if the inbox is (or gets) closed first
     * @throws InterruptedException if interrupted while it would park (the item is not enqueued)
     */
    public boolean put(T item) throws InterruptedException {
        return put(item, NO_HOOK, NO_HOOK);
    }

    /**
     * {@link #put(Object)} with hooks around the wait (e.g. to release a GIL while parked), with
     * the same contract as in {@link WorkQueue#take(Runnable, Runnable)}: {@code beforePark} at
     * most once, when the inbox was found full and the producer is about to park (it retries
     * after the hook), {@code afterWake} once before returning or throwing if it ran; neither if
     * the first attempt succeeds.
     */
    public boolean put(T item, Runnable beforePark, Runnable afterWake)
            throws InterruptedException {
        if (offer(item)) {
            return true;
        }
        if (closed) {
            return false;
        }
        WaiterStack.Waiter self = blockedProducers.current();
        boolean parked = false;
        try {
            for (;;) {
                // Publish "blocked" (a CAS, a full fence), then retry: a drain that frees space
                // after our retry fails must see us on the stack (it fences after polling).
                blockedProducers.arm(self);
                if (closed) {
                    return false;
                }
                if (queue.offer(item)) {
                    scheduleDrain();
                    return true;
                }
                // Still full: the items in it have a drain pending or running that has not yet
                // polled them, and that drain fences and checks the stack after polling, so a
                // wake-up is coming.
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (!parked) {
                    // Once per call; then retry, as the hook may take a while.
                    beforePark.run();
                    parked = true;
                    continue;
                }
                // Parks only if no drain has claimed us since we armed (see WaiterStack.park).
                blockedProducers.park(self, this);
            }
        } finally {
            blockedProducers.disarm(self);
            // A drain wakes one producer per freed slot; if that wake-up landed on us just as we
            // got in (or gave up) by ourselves, it would be lost and another producer could sleep
            // next to a free slot. Pass one on: at worst it retries, fails and parks again.
            if (blockedProducers.hasWaiters()) {
                blockedProducers.wakeOne();
            }
            if (parked) {
                afterWake.run();
            }
        }
    }

    /**
     * Submits the drain unless it is already pending. The read before the CAS keeps a burst of
     * offers from bouncing the flag's cache line with failing CASes.
     */
    private void scheduleDrain() {
        if (scheduled == 0 && SCHEDULED.compareAndSet(this, 0, 1)) {
            reactor.execute(drainTask);
        }
    }

    /**
     * Reactor thread. Clears the flag first, then drains. The other order would strand items: a
     * producer that offers after our last poll but before we clear the flag sees it set and does
     * not schedule, and we would return leaving its item behind. Clearing first means such a
     * producer either is seen by our polls (its offer's CAS precedes our clear in the total
     * order of volatile accesses, so the poll sees its index) or sees the flag clear and
     * schedules a new drain. The price is an occasional drain that finds nothing.
     */
    private void drain() {
        SCHEDULED.setVolatile(this, 0);
        int drained = 0;
        try {
            T item;
            while (drained < batchSize && (item = queue.poll()) != null) {
                drained++;
                sink.accept(item);
            }
        } finally {
            if (drained > 0) {
                // Order the consumer index update (a release store in JCTools) before reading the
                // stack; a blocked producer pushes itself (CAS) before retrying its offer.
                VarHandle.fullFence();
                // One freed slot can satisfy one producer; one that loses its slot to a plain
                // offer re-arms, and the drain of the items that filled it wakes it again.
                blockedProducers.wakeUpTo(drained);
            }
            // Batch limit reached (or the sink threw) with items left: yield the reactor and
            // continue in a new task. The CAS in scheduleDrain() avoids a double submission if a
            // producer already rescheduled after we cleared the flag.
            if (!queue.isEmpty()) {
                scheduleDrain();
            }
        }
    }

    /**
     * Any thread, idempotent. Rejects further offers and puts, and releases producers parked in
     * {@code put} (which return {@code false}). Items already queued are still drained.
     */
    public void close() {
        CLOSED.setVolatile(this, true);
        blockedProducers.wakeAll();
    }

    public boolean isClosed() {
        return closed;
    }

    /** The bound, after rounding up to a power of two. */
    public int capacity() {
        return capacity;
    }

    /** The most items one drain run hands to the sink. */
    public int batchSize() {
        return batchSize;
    }

    /** A snapshot, exact only when nothing runs concurrently. */
    public int size() {
        return queue.size();
    }

    /** True if some producer is (about to be) parked in {@code put}; for tests and metrics. */
    boolean hasBlockedProducers() {
        return blockedProducers.hasWaiters();
    }
}
