package org.yimmo.core.timer;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * PLACEHOLDER with the final public API; the hashed-wheel implementation replaces the body.
 *
 * <p>Not thread safe: one thread (the reactor's) schedules, cancels and polls. Time is passed in
 * by the caller; the wheel never reads a clock. Timers in the same tick fire in no particular
 * order; timers in different ticks fire in deadline order. A timer never fires before its
 * deadline, and at most one tick after it when the caller polls at {@link #nextDeadline()}.
 */
public final class TimerWheel {

    /** Returned by {@link #nextDeadline()} when no timer is pending. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private record Entry(long id, long deadline, TimerTask task) {
    }

    private final long tickNanos;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));
    private final Map<Long, Entry> live = new HashMap<>();
    private long nextId = 1;

    public TimerWheel(long tickNanos, int ticksPerWheel, long startTimeNanos) {
        if (tickNanos <= 0 || Integer.bitCount(ticksPerWheel) != 1) {
            throw new IllegalArgumentException("tick must be > 0 and ticksPerWheel a power of two");
        }
        this.tickNanos = tickNanos;
    }

    /**
     * Schedules {@code task} for {@code deadlineNanos} (a deadline in the past fires on the next
     * poll). Allowed from inside a firing task.
     *
     * @return the timer's id, for {@link #cancel}; never {@code 0}
     */
    public long schedule(long deadlineNanos, TimerTask task) {
        Entry entry = new Entry(nextId++, deadlineNanos, task);
        queue.add(entry);
        live.put(entry.id, entry);
        return entry.id;
    }

    /**
     * Cancels a pending timer. An id that already fired or was cancelled is ignored, even if its
     * storage was reused for a newer timer.
     *
     * @return true if the timer was pending
     */
    public boolean cancel(long timerId) {
        Entry entry = live.remove(timerId);
        if (entry == null) {
            return false;
        }
        queue.remove(entry);
        return true;
    }

    /**
     * Fires timers whose deadline is at or before {@code nowNanos}, at most {@code limit} of them.
     *
     * @return how many fired
     */
    public int poll(long nowNanos, int limit) {
        int fired = 0;
        while (fired < limit && !queue.isEmpty() && queue.peek().deadline <= nowNanos) {
            Entry entry = queue.poll();
            live.remove(entry.id);
            fired++;
            entry.task.onTimeout(entry.id, nowNanos);
        }
        return fired;
    }

    /**
     * When the caller should poll next: never later than the earliest pending deadline rounded up
     * to its tick, possibly earlier; {@link #NO_DEADLINE} when nothing is pending.
     */
    public long nextDeadline() {
        return queue.isEmpty() ? NO_DEADLINE : queue.peek().deadline;
    }

    /** Pending timers. */
    public int size() {
        return live.size();
    }

    public long tickNanos() {
        return tickNanos;
    }
}
