package org.yimmo.bench;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.yimmo.core.timer.TimerTask;
import org.yimmo.core.timer.TimerWheel;

/**
 * The timer wheel against the JDK's alternatives, each holding a background population of idle
 * timers (default 10,000) spread over 30 seconds, far enough ahead that none fires during a run:
 *
 * <ul>
 *   <li>{@code scheduleCancel*}: with the background an hour ahead, schedule a timer 30 s past it
 *       and cancel it, the cost of a connection that closes before its idle timeout.
 *   <li>{@code scheduleExpire*}: with the background a year ahead (the fake clock moves a tick
 *       per operation), schedule a timer one tick ahead, advance the clock to it, fire it, and ask
 *       for the next deadline, as a reactor turn does. The executor is left out: it runs on the
 *       real clock, so expiring would measure its thread hand-off and sleeping.
 * </ul>
 *
 * <p>Run with {@code -prof gc} for B/op. The wheel uses the reactor defaults (1 ms tick, 1024
 * slots).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TimerWheelBenchmark {

    static final long TICK = TimeUnit.MILLISECONDS.toNanos(1);
    static final int SLOTS = 1024;
    static final long HOUR = TimeUnit.HOURS.toNanos(1);
    static final long YEAR = TimeUnit.DAYS.toNanos(365);
    static final long BACKGROUND_SPREAD = TimeUnit.SECONDS.toNanos(30);
    static final long CANCEL_AT = HOUR + BACKGROUND_SPREAD;

    /** Background deadlines, the same for every structure. */
    static long[] backgroundDeadlines(int count, long from) {
        SplittableRandom random = new SplittableRandom(42);
        long[] deadlines = new long[count];
        for (int i = 0; i < count; i++) {
            deadlines[i] = from + random.nextLong(BACKGROUND_SPREAD);
        }
        return deadlines;
    }

    /** Counts firings so that the work cannot be optimised away. */
    static final class CountingTask implements TimerTask, Runnable {
        long fired;

        @Override
        public void onTimeout(long timerId, long nowNanos) {
            fired++;
        }

        @Override
        public void run() {
            fired++;
        }
    }

    @State(Scope.Thread)
    public static class WheelState {
        @Param("10000")
        int background;

        TimerWheel wheel;
        final CountingTask task = new CountingTask();
        long now;
        long counter;

        long backgroundAt() {
            return HOUR;
        }

        @Setup
        public void setUp() {
            wheel = new TimerWheel(TICK, SLOTS, 0);
            for (long deadline : backgroundDeadlines(background, backgroundAt())) {
                wheel.schedule(deadline, task);
            }
        }

        @TearDown
        public void check() {
            if (wheel.size() != background) {
                throw new IllegalStateException("background timers fired or leaked: " + wheel.size());
            }
        }
    }

    @State(Scope.Thread)
    public static class ExecutorState {
        @Param("10000")
        int background;

        ScheduledThreadPoolExecutor executor;
        final CountingTask task = new CountingTask();
        long counter;

        @Setup
        public void setUp() {
            executor = new ScheduledThreadPoolExecutor(1);
            executor.setRemoveOnCancelPolicy(true);
            for (long deadline : backgroundDeadlines(background, HOUR)) {
                executor.schedule(task, deadline, TimeUnit.NANOSECONDS);
            }
        }

        @TearDown
        public void tearDown() {
            int queued = executor.getQueue().size();
            executor.shutdownNow();
            if (queued != background) {
                throw new IllegalStateException("executor queue is " + queued);
            }
        }
    }

    /** What a plain priority-queue timer list would hold. */
    static final class Deadline implements Comparable<Deadline> {
        long at;

        Deadline(long at) {
            this.at = at;
        }

        @Override
        public int compareTo(Deadline other) {
            return Long.compare(at, other.at);
        }
    }

    /** The wheel with its background out of reach of a fast-moving fake clock. */
    public static class ExpiringWheelState extends WheelState {
        @Override
        long backgroundAt() {
            return YEAR;
        }
    }

    @State(Scope.Thread)
    public static class QueueState {
        @Param("10000")
        int background;

        PriorityQueue<Deadline> queue;
        final Deadline element = new Deadline(0);
        final CountingTask task = new CountingTask();
        long now;
        long counter;

        long backgroundAt() {
            return HOUR;
        }

        @Setup
        public void setUp() {
            queue = new PriorityQueue<>(background + 16);
            for (long deadline : backgroundDeadlines(background, backgroundAt())) {
                queue.add(new Deadline(deadline));
            }
        }

        @TearDown
        public void check() {
            if (queue.size() != background) {
                throw new IllegalStateException("queue is " + queue.size());
            }
        }
    }

    /** The queue with its background out of reach of a fast-moving fake clock. */
    public static class ExpiringQueueState extends QueueState {
        @Override
        long backgroundAt() {
            return YEAR;
        }
    }

    @Benchmark
    public boolean scheduleCancelWheel(WheelState s) {
        long id = s.wheel.schedule(CANCEL_AT + (s.counter++ & 1023) * TICK, s.task);
        return s.wheel.cancel(id);
    }

    @Benchmark
    public boolean scheduleCancelExecutor(ExecutorState s) {
        ScheduledFuture<?> future =
                s.executor.schedule(s.task, CANCEL_AT + (s.counter++ & 1023) * TICK, TimeUnit.NANOSECONDS);
        return future.cancel(false);
    }

    @Benchmark
    public boolean scheduleCancelPriorityQueue(QueueState s) {
        s.element.at = CANCEL_AT + (s.counter++ & 1023) * TICK;
        s.queue.add(s.element);
        return s.queue.remove(s.element);
    }

    @Benchmark
    public long scheduleExpireWheel(ExpiringWheelState s) {
        s.wheel.schedule(s.now + TICK, s.task);
        s.now += TICK;
        s.wheel.poll(s.now, Integer.MAX_VALUE);
        return s.wheel.nextDeadline();
    }

    @Benchmark
    public long scheduleExpirePriorityQueue(ExpiringQueueState s) {
        s.element.at = s.now + TICK;
        s.queue.add(s.element);
        s.now += TICK;
        Deadline head;
        while ((head = s.queue.peek()) != null && head.at <= s.now) {
            s.queue.poll();
            s.task.onTimeout(0, s.now);
        }
        return s.queue.peek().at;
    }
}
