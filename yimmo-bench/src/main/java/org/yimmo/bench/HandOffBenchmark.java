package org.yimmo.bench;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.yimmo.bench.queue.LoopReactor;
import org.yimmo.core.queue.ReactorInbox;
import org.yimmo.core.queue.WorkQueue;

/**
 * Server -> worker -> server round trips through {@link WorkQueue} and {@link ReactorInbox}.
 *
 * <p>The benchmark thread plays the reactor: it offers items to the work queue and runs the
 * inbox drains on a {@link LoopReactor} (parking when idle, woken by {@code execute}). Worker
 * threads {@code take()} an item, touch it and {@code put()} it back. One op is one completed
 * round trip: the benchmark thread waits for a returned item and immediately sends it out again.
 *
 * <ul>
 *   <li>{@code windowed}: {@code window} items in flight at all times (throughput, ops/us). With
 *       enough outstanding work, workers and reactor rarely sleep, so queue cost dominates.</li>
 *   <li>{@code pingPong}: a single item in flight (latency, us/op): every round trip parks and
 *       unparks a worker and the reactor, so wake-up cost dominates.</li>
 *   <li>{@code sameThread}: no hand-off at all, one thread through both classes (ns/op): the
 *       per-item cost of each backing without cross-core traffic or wake-ups.</li>
 *   <li>{@code parkBaseline}: no queues at all, a bare park/unpark ping-pong between two
 *       threads (us/op): the platform's wake-up floor under {@code pingPong}.</li>
 * </ul>
 *
 * <p>{@code queue=jctools} uses the production backings (SPMC / MPSC arrays); {@code queue=abq}
 * builds the same classes, with the same park/unpark policy, over
 * {@link ArrayBlockingQueue}s used only through {@code offer}/{@code poll}.
 *
 * <p>Run: {@code java -jar yimmo-bench/target/benchmarks.jar HandOff -prof gc -f 1 -wi 3 -w 1s
 * -i 5 -r 1s}. {@code gc.alloc.rate.norm} should be ~0 B/op for {@code jctools}.
 */
public class HandOffBenchmark {

    /** Capacity of both queues; at least the largest window, so offers never fail here. */
    static final int CAPACITY = 1024;

    /** The payload handed around; the same few instances circulate, so nothing is allocated. */
    public static final class Item {
        long touched;
    }

    /** Queues, workers and the reactor stand-in; the benchmark thread is the reactor. */
    @State(Scope.Thread)
    public abstract static class Pipeline {

        @Param({"jctools", "abq"})
        public String queue;

        @Param({"1", "2"})
        public int workers;

        private LoopReactor reactor;
        private WorkQueue<Item> work;
        private ReactorInbox<Item> inbox;
        private Thread[] threads;

        /** Returned items not yet re-sent; a ring touched on the benchmark thread only. */
        private final Item[] completed = new Item[CAPACITY];
        private long head;
        private long tail;

        abstract int window();

        @Setup(Level.Trial)
        public void setUp() {
            reactor = new LoopReactor(64);
            reactor.bind();
            Consumer<Item> sink = this::complete;
            switch (queue) {
                case "jctools":
                    work = new WorkQueue<>(CAPACITY, reactor, null);
                    inbox = new ReactorInbox<>(CAPACITY, ReactorInbox.DEFAULT_BATCH_SIZE, reactor,
                            sink);
                    break;
                case "abq":
                    work = WorkQueue.withQueue(new ArrayBlockingQueue<>(CAPACITY), CAPACITY,
                            reactor, null);
                    inbox = ReactorInbox.withQueue(new ArrayBlockingQueue<>(CAPACITY), CAPACITY,
                            ReactorInbox.DEFAULT_BATCH_SIZE, reactor, sink);
                    break;
                default:
                    throw new IllegalArgumentException("queue=" + queue);
            }
            threads = new Thread[workers];
            for (int i = 0; i < workers; i++) {
                WorkQueue<Item> from = work;
                ReactorInbox<Item> to = inbox;
                threads[i] = new Thread(() -> {
                    try {
                        Item item;
                        while ((item = from.take()) != null) {
                            item.touched++;
                            if (!to.put(item)) {
                                return;
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "handoff-worker-" + i);
                threads[i].setDaemon(true);
                threads[i].start();
            }
            for (int i = 0; i < window(); i++) {
                if (!work.offer(new Item())) {
                    throw new IllegalStateException("window larger than the queue");
                }
            }
        }

        private void complete(Item item) {
            completed[(int) (tail++ & (CAPACITY - 1))] = item;
        }

        /** Waits for one returned item and sends it out again; one op. */
        final Item roundTrip() {
            while (head == tail) {
                reactor.runOnce();
            }
            Item item = completed[(int) (head++ & (CAPACITY - 1))];
            if (!work.offer(item)) {
                throw new IllegalStateException("work queue refused an item");
            }
            return item;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            work.close();
            inbox.close();
            for (Thread thread : threads) {
                thread.join(10_000);
                if (thread.isAlive()) {
                    throw new IllegalStateException(thread.getName() + " did not stop");
                }
            }
        }
    }

    @State(Scope.Thread)
    public static class Windowed extends Pipeline {
        @Param({"64", "256"})
        public int window;

        @Override
        int window() {
            return window;
        }
    }

    @State(Scope.Thread)
    public static class PingPong extends Pipeline {
        @Override
        int window() {
            return 1;
        }
    }

    /**
     * Not a hand-off: one thread pushes an item through both classes (offer, poll, offer, drain)
     * with no other thread and no park/unpark, isolating the per-item instruction cost of each
     * backing under the identical policy code. A reference point for the two real cases above.
     */
    @State(Scope.Thread)
    public static class SameThread {
        @Param({"jctools", "abq"})
        public String queue;

        private LoopReactor reactor;
        private WorkQueue<Item> work;
        private ReactorInbox<Item> inbox;
        private final Item item = new Item();
        private Item last;

        @Setup(Level.Trial)
        public void setUp() {
            reactor = new LoopReactor(64);
            reactor.bind();
            Consumer<Item> sink = i -> last = i;
            if (queue.equals("jctools")) {
                work = new WorkQueue<>(CAPACITY, reactor, null);
                inbox = new ReactorInbox<>(CAPACITY, ReactorInbox.DEFAULT_BATCH_SIZE, reactor,
                        sink);
            } else {
                work = WorkQueue.withQueue(new ArrayBlockingQueue<>(CAPACITY), CAPACITY, reactor,
                        null);
                inbox = ReactorInbox.withQueue(new ArrayBlockingQueue<>(CAPACITY), CAPACITY,
                        ReactorInbox.DEFAULT_BATCH_SIZE, reactor, sink);
            }
        }

        Item pass() {
            work.offer(item);
            inbox.offer(work.poll());
            reactor.runOnce(); // the drain is pending, so this never parks
            return last;
        }
    }

    /**
     * Negative control for {@code pingPong}: the same two-thread round trip with bare
     * park/unpark and a volatile turn flag, no queues. The difference to {@code pingPong} is what
     * the hand-off classes add on top of the platform's wake-up cost.
     */
    @State(Scope.Thread)
    public static class ParkBaseline {
        private volatile int turn; // 0: the benchmark thread's turn, 1: the partner's
        private volatile boolean stop;
        private Thread self;
        private Thread partner;

        @Setup(Level.Trial)
        public void setUp() {
            self = Thread.currentThread();
            partner = new Thread(() -> {
                while (!stop) {
                    while (turn != 1 && !stop) {
                        LockSupport.park(this);
                    }
                    turn = 0;
                    LockSupport.unpark(self);
                }
            }, "park-baseline-partner");
            partner.setDaemon(true);
            partner.start();
        }

        int roundTrip() {
            turn = 1;
            LockSupport.unpark(partner);
            while (turn != 0) {
                LockSupport.park(this);
            }
            return turn;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            stop = true;
            LockSupport.unpark(partner);
            partner.join(10_000);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int parkBaseline(ParkBaseline state) {
        return state.roundTrip();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Item sameThread(SameThread state) {
        return state.pass();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Item windowed(Windowed pipeline) {
        return pipeline.roundTrip();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Item pingPong(PingPong pipeline) {
        return pipeline.roundTrip();
    }
}
