package org.yimmo.core.timer;

import java.util.Arrays;

/**
 * A hashed timer wheel: O(1) schedule and cancel, no allocation once its arrays have grown.
 *
 * <p>Not thread safe: one thread (the reactor's) schedules, cancels and polls. Time is passed in
 * by the caller; the wheel never reads a clock, and the times given to {@link #poll} must not go
 * backwards. Timers in the same tick fire in no particular order; timers in different ticks fire
 * in deadline order. A timer never fires before its deadline, and at most one tick after it when
 * the caller polls at {@link #nextDeadline()}. A timer scheduled with a deadline already passed
 * fires first on the next poll (not the current one when scheduled from a task, so a task that
 * keeps rescheduling itself in the past cannot make a poll loop forever).
 * Tasks may schedule and cancel timers (any of them) but may not call {@link #poll}. An exception
 * from a task propagates out of {@code poll}; the timers not yet fired stay pending.
 *
 * <p>Caveats: a timer id is {@code generation << 32 | entry}, so an id kept across two billion
 * reuses of the same entry could cancel the wrong timer. {@link #nextDeadline()} is a lower bound:
 * after a cancel it may name the cancelled deadline once, costing one spurious wake-up.
 * {@code Long.MAX_VALUE} as a deadline is stored as {@code Long.MAX_VALUE - 1}.
 *
 * <p>Idle timeouts: do not cancel and reschedule on every read. Keep a last-activity stamp next
 * to the timer and, when the timer fires, reschedule it for {@code lastActivity + timeout} if that
 * is still ahead of {@code nowNanos}, and time the connection out otherwise. A busy connection
 * then costs one timer event per timeout period instead of two wheel operations per read.
 */
public final class TimerWheel {

    /** Returned by {@link #nextDeadline()} when no timer is pending. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final int NIL = -1;
    private static final int DEFAULT_CAPACITY = 256;

    // Every list is circular with a sentinel entry, so that unlinking never needs to know which
    // list an entry is on. Each slot has two lists: 0..wheelSize-1 for timers due when the slot
    // next comes round, wheelSize..2*wheelSize-1 for later rotations, so that firing a timer does
    // not walk the idle ones that share its slot. Then OVERDUE holds timers whose deadline had
    // passed when scheduled, and PROC holds a list while poll walks it (so tasks can cancel or
    // schedule anything while it is detached). Real entries start at first.
    private final int wheelSize;
    private final int mask;
    private final int overdue;
    private final int proc;
    private final int first;
    private final long tickNanos;
    private final long reciprocal;
    private final long fastLimit;
    private final long startTimeNanos;

    private long[] deadline;
    private TimerTask[] task;
    private int[] next;
    private int[] prev;
    private int[] generation;
    private int freeHead = NIL;

    // Per list, a lower bound on its deadlines (exact after poll walks it; cancels leave it low).
    // It stops a slot full of timers for later rotations from being walked, or waking the
    // caller, at every rotation.
    private final long[] listMin;

    private int size;
    // The next tick poll has to look at; every timer in the slots has a deadline in it or later.
    private long cursor;
    private long cursorStart;
    private long lastNow;
    // Lower bound on the deadlines in the slots; when invalid, recomputed by scan().
    private long wheelMin = Long.MAX_VALUE;
    private boolean wheelMinValid = true;
    private long scanTick;
    // When a scan finds nothing due within a rotation, farBound is the minimum it saw and
    // nearCount counts the timers scheduled below it since. While that count is zero farBound
    // answers nextDeadline, so a wheel of far idle timers stays O(1) after each firing.
    private long farBound = Long.MIN_VALUE;
    private int nearCount;
    private int procOrigin;
    private boolean polling;

    public TimerWheel(long tickNanos, int ticksPerWheel, long startTimeNanos) {
        this(tickNanos, ticksPerWheel, startTimeNanos, DEFAULT_CAPACITY);
    }

    /** As above, with room for {@code initialCapacity} timers before the arrays grow. */
    public TimerWheel(long tickNanos, int ticksPerWheel, long startTimeNanos, int initialCapacity) {
        if (tickNanos <= 0 || ticksPerWheel <= 0 || ticksPerWheel > 1 << 28
                || Integer.bitCount(ticksPerWheel) != 1) {
            throw new IllegalArgumentException("tick must be > 0 and ticksPerWheel a power of two");
        }
        this.tickNanos = tickNanos;
        this.startTimeNanos = startTimeNanos;
        this.wheelSize = ticksPerWheel;
        this.mask = ticksPerWheel - 1;
        // ceil(2^51 / tick): see tickOf.
        this.reciprocal = ((1L << 51) - 1) / tickNanos + 1;
        // Keeps q * tickNanos in tickOf from overflowing.
        this.fastLimit = tickNanos <= 1L << 40 ? 1L << 50 : 0;
        this.cursorStart = startTimeNanos;
        this.overdue = 2 * ticksPerWheel;
        this.proc = overdue + 1;
        this.first = overdue + 2;
        this.lastNow = startTimeNanos == Long.MIN_VALUE ? Long.MIN_VALUE : startTimeNanos - 1;
        listMin = new long[first];
        Arrays.fill(listMin, Long.MAX_VALUE);
        int length = first + Math.max(1, initialCapacity);
        deadline = new long[length];
        task = new TimerTask[length];
        next = new int[length];
        prev = new int[length];
        generation = new int[length];
        for (int i = 0; i < first; i++) {
            next[i] = i;
            prev[i] = i;
        }
        addToFreeList(first, length);
    }

    /**
     * Schedules {@code task} for {@code deadlineNanos} (a deadline in the past fires on the next
     * poll). Allowed from inside a firing task.
     *
     * @return the timer's id, for {@link #cancel}; never {@code 0}
     */
    public long schedule(long deadlineNanos, TimerTask task) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        long d = Math.min(deadlineNanos, Long.MAX_VALUE - 1);
        if (freeHead == NIL) {
            grow();
        }
        int i = freeHead;
        freeHead = next[i];
        int gen = ++generation[i];
        deadline[i] = d;
        this.task[i] = task;
        size++;
        if (d < farBound) {
            nearCount++;
        }
        long tick = tickOf(d);
        // A timer behind the wheel (or due while poll is past its tick) would wait a rotation in
        // a slot; OVERDUE gets it fired on the next poll instead.
        int list = d <= lastNow || tick < cursor ? overdue
                : (int) (tick & mask) + (tick - cursor < wheelSize ? 0 : wheelSize);
        insert(list, i);
        return (long) gen << 32 | i;
    }

    /**
     * Cancels a pending timer. An id that already fired or was cancelled is ignored, even if its
     * storage was reused for a newer timer.
     *
     * @return true if the timer was pending
     */
    public boolean cancel(long timerId) {
        int i = (int) timerId;
        int gen = (int) (timerId >>> 32);
        if ((gen & 1) == 0 || i < first || i >= generation.length || generation[i] != gen) {
            return false;
        }
        int p = prev[i];
        unlink(i);
        if (p < first && next[p] == p) {
            listMin[p] = Long.MAX_VALUE;
        }
        release(i);
        return true;
    }

    /**
     * Fires timers whose deadline is at or before {@code nowNanos}, at most {@code limit} of them.
     *
     * @return how many fired
     */
    public int poll(long nowNanos, int limit) {
        if (polling) {
            throw new IllegalStateException("poll called from inside a timer task");
        }
        if (limit <= 0) {
            return 0;
        }
        polling = true;
        try {
            lastNow = Math.max(lastNow, nowNanos);
            int fired = drain(overdue, overdue, 0, nowNanos, nowNanos, limit);
            if (fired < 0) {
                return ~fired;
            }
            long nowTick = tickOf(nowNanos);
            while (cursor <= nowTick) {
                long target;
                if (wheelMinValid && tickOf(wheelMin) >= cursor) {
                    target = tickOf(wheelMin);
                } else if (nearCount == 0 && tickOf(farBound) >= cursor) {
                    wheelMin = farBound;
                    wheelMinValid = true;
                    target = tickOf(farBound);
                } else {
                    wheelMin = scan();
                    wheelMinValid = true;
                    target = scanTick;
                }
                if (target > nowTick) {
                    moveCursor(nowTick);
                    break;
                }
                moveCursor(target);
                int slot = (int) (cursor & mask);
                long dueBy = Math.min(nowNanos, lastNanoOf(cursor));
                // What stays in the slot is due when it next comes round, or later.
                long nextRound = lastNanoOf(cursor + wheelSize);
                for (int list = slot; list < overdue; list += wheelSize) {
                    if (listMin[list] <= dueBy) {
                        wheelMinValid = false;
                        int n = drain(list, slot, nextRound, dueBy, nowNanos, limit - fired);
                        if (n < 0) {
                            return fired + ~n;
                        }
                        fired += n;
                    }
                }
                if (cursor == nowTick) {
                    // A bound left low by a cancel would otherwise be returned again: busy loop.
                    wheelMinValid &= wheelMin > nowNanos;
                    break;
                }
                moveCursor(cursor + 1);
            }
            return fired;
        } finally {
            polling = false;
            restoreProc();
        }
    }

    /**
     * When the caller should poll next: never later than the earliest pending deadline, possibly
     * earlier (after a cancel); {@link #NO_DEADLINE} when nothing is pending. Amortised O(1).
     */
    public long nextDeadline() {
        if (size == 0) {
            return NO_DEADLINE;
        }
        if (nearCount == 0 && farBound > lastNow) {
            return farBound;
        }
        if (!wheelMinValid) {
            wheelMin = scan();
            wheelMinValid = true;
        }
        long min = wheelMin;
        if (next[overdue] != overdue) {
            min = Math.min(min, listMin[overdue]);
        }
        if (next[proc] != proc) {
            min = Math.min(min, listMin[proc]);
        }
        return min;
    }

    /** Pending timers. */
    public int size() {
        return size;
    }

    public long tickNanos() {
        return tickNanos;
    }

    /**
     * Walks {@code list} (detached as PROC, so tasks may change anything), firing entries due by
     * {@code dueBy} and putting the others back: on {@code nearList} if due by {@code nearBy}.
     *
     * @return how many fired, or {@code ~fired} if {@code budget} ran out before the list did
     */
    private int drain(int list, int nearList, long nearBy, long dueBy, long nowNanos, int budget) {
        if (next[list] == list) {
            return 0;
        }
        splice(list, proc);
        listMin[proc] = listMin[list];
        listMin[list] = Long.MAX_VALUE;
        procOrigin = list;
        int fired = 0;
        while (next[proc] != proc) {
            if (fired == budget) {
                restoreProc();
                return ~fired;
            }
            int i = next[proc];
            unlink(i);
            long d = deadline[i];
            if (d <= dueBy) {
                long id = (long) generation[i] << 32 | i;
                TimerTask t = task[i];
                release(i);
                fired++;
                t.onTimeout(id, nowNanos);
            } else {
                insert(d <= nearBy ? nearList : list, i);
            }
        }
        return fired;
    }

    /** Puts back what a drain cut short (by the limit or an exception) where it came from. */
    private void restoreProc() {
        if (next[proc] != proc) {
            splice(proc, procOrigin);
            lowerMin(procOrigin, listMin[proc]);
        }
        listMin[proc] = Long.MAX_VALUE;
    }

    /**
     * Looks at most one rotation ahead of the cursor for the first tick whose slot may hold a
     * timer due in that tick, leaving it in {@link #scanTick}.
     *
     * @return a lower bound on the deadlines in the slots
     */
    private long scan() {
        long tick = cursor;
        long end = lastNanoOf(tick);
        long min = Long.MAX_VALUE;
        for (int n = 0; n < wheelSize; n++) {
            int slot = (int) (tick & mask);
            long m = Math.min(listMin[slot], listMin[slot + wheelSize]);
            if (m <= end) {
                scanTick = tick;
                // A minimum left below the tick by a cancel would bring the caller back at once;
                // nothing in this slot can be due before the tick starts.
                return Math.max(m, end - tickNanos + 1);
            }
            min = Math.min(min, m);
            tick++;
            end = end >= Long.MAX_VALUE - 1 - tickNanos ? Long.MAX_VALUE - 1 : end + tickNanos;
        }
        // Nothing within a rotation: every timer is at least a rotation ahead, so jump to the
        // earliest rather than stepping through empty ticks.
        if (next[overdue] == overdue && next[proc] == proc) {
            farBound = min;
            nearCount = 0;
        }
        scanTick = min == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(tick, tickOf(min));
        return min;
    }

    private long tickOf(long t) {
        long rel = t - cursorStart;
        if (t >= cursorStart && rel >= 0 && rel < fastLimit) {
            // Spares schedule a 64-bit division, slow on many cores. Measuring from the cursor
            // keeps rel small however long the wheel runs; for rel < 2^50,
            // rel * ceil(2^51 / tick) / 2^51 is rel / tick plus less than a half, so the
            // quotient is exact or one too many.
            long q = Math.multiplyHigh(rel << 13, reciprocal);
            return cursor + (q * tickNanos > rel ? q - 1 : q);
        }
        long elapsed = t - startTimeNanos;
        if (((t ^ startTimeNanos) & (t ^ elapsed)) < 0) {
            elapsed = t < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return Math.floorDiv(elapsed, tickNanos);
    }

    private void moveCursor(long tick) {
        cursor = tick;
        long offset = tick < Long.MAX_VALUE / tickNanos ? tick * tickNanos : Long.MAX_VALUE;
        long start = startTimeNanos + offset;
        cursorStart = start < startTimeNanos ? Long.MAX_VALUE : start;
    }

    /** The last nanosecond of {@code tick} (>= 0), capped at the largest storable deadline. */
    private long lastNanoOf(long tick) {
        if (tick >= Long.MAX_VALUE / tickNanos - 1) {
            return Long.MAX_VALUE - 1;
        }
        long end = startTimeNanos + ((tick + 1) * tickNanos - 1);
        // The offset is >= 0, so a sum below the start means it overflowed.
        return end < startTimeNanos ? Long.MAX_VALUE - 1 : Math.min(end, Long.MAX_VALUE - 1);
    }

    private void insert(int list, int i) {
        int last = prev[list];
        next[last] = i;
        prev[i] = last;
        next[i] = list;
        prev[list] = i;
        lowerMin(list, deadline[i]);
    }

    private void lowerMin(int list, long d) {
        if (d < listMin[list]) {
            listMin[list] = d;
        }
        if (list < overdue && wheelMinValid && d < wheelMin) {
            wheelMin = d;
        }
    }

    private void unlink(int i) {
        int p = prev[i];
        int n = next[i];
        next[p] = n;
        prev[n] = p;
    }

    /** Appends all of {@code from} to {@code to}, leaving {@code from} empty. */
    private void splice(int from, int to) {
        if (next[from] == from) {
            return;
        }
        int head = next[from];
        int tail = prev[from];
        int last = prev[to];
        next[last] = head;
        prev[head] = last;
        next[tail] = to;
        prev[to] = tail;
        next[from] = from;
        prev[from] = from;
    }

    private void release(int i) {
        if (deadline[i] < farBound) {
            nearCount--;
        }
        task[i] = null;
        generation[i]++; // odd while pending, so a freed entry matches no id
        next[i] = freeHead;
        freeHead = i;
        if (--size == 0) {
            wheelMin = Long.MAX_VALUE;
            wheelMinValid = true;
        }
    }

    private void grow() {
        int length = deadline.length;
        int grown = (int) Math.min(Integer.MAX_VALUE - 8L, 2L * length);
        if (grown <= length) {
            throw new IllegalStateException("too many timers");
        }
        deadline = Arrays.copyOf(deadline, grown);
        task = Arrays.copyOf(task, grown);
        next = Arrays.copyOf(next, grown);
        prev = Arrays.copyOf(prev, grown);
        generation = Arrays.copyOf(generation, grown);
        addToFreeList(length, grown);
    }

    private void addToFreeList(int from, int to) {
        // Lowest index first out, so a small working set stays in the first cache lines.
        for (int i = to - 1; i >= from; i--) {
            next[i] = freeHead;
            freeHead = i;
        }
    }
}
