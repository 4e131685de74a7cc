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

    // Time is cut into rotations of wheelSize ticks. Only the ticks of the current rotation from
    // the cursor on have slots: slot s holds exactly the timers due in tick rotationTick + s, and
    // a bitmap of the non-empty slots gives the earliest in a word or two. Slots behind the cursor
    // are empty, so the lowest set bit is the earliest tick. Timers for later rotations go, without
    // computing their tick, onto FAR, whose bound is lowered on schedule and left alone on cancel.
    // When the cursor enters a new rotation, what FAR and DISTANT hold for it moves into the slots
    // and the rest of FAR onto DISTANT, which is walked only when its exact minimum comes within the
    // rotation: far idle timers cost a cascade per rotation at most, and nothing per tick.
    //
    // Every list is circular with a sentinel entry, so unlinking never needs to know which list an
    // entry is on: 0..wheelSize-1 are the slots, then OVERDUE holds timers whose deadline had
    // passed when scheduled, then FAR and DISTANT, and PROC holds a list while poll walks it (so
    // tasks can cancel or schedule anything while it is detached). Real entries start at first.
    private final int wheelSize;
    private final int mask;
    private final int overdue;
    private final int far;
    private final int distant;
    private final int proc;
    private final int first;
    private final long tickNanos;
    private final long reciprocal;
    private final long fastLimit;
    private final long maxTick;
    private final long startTimeNanos;

    private long[] deadline;
    private TimerTask[] task;
    private int[] next;
    private int[] prev;
    private int[] generation;
    private int freeHead = NIL;

    // Per slot, a lower bound on its deadlines (exact after poll walks it; cancels leave it low),
    // Long.MAX_VALUE exactly when the slot is empty. Likewise for the other lists.
    private final long[] slotMin;
    private long overdueMin = Long.MAX_VALUE;
    private long farMin = Long.MAX_VALUE;
    private long distantMin = Long.MAX_VALUE;
    private long procMin = Long.MAX_VALUE;
    // Bit s of bits is set when slot s is non-empty; bit w of summary when bits[w] is non-zero.
    private final long[] bits;
    private final long[] summary;

    private int size;
    // The next tick poll has to look at; cursorStart is its first nanosecond.
    private long cursor;
    private long cursorStart;
    // The first tick of the cursor's rotation, and the first nanosecond after it (or MAX_VALUE).
    private long rotationTick;
    private long nearLimit;
    private long lastNow;
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
        this.maxTick = Long.MAX_VALUE / tickNanos;
        this.overdue = ticksPerWheel;
        this.far = overdue + 1;
        this.distant = far + 1;
        this.proc = distant + 1;
        this.first = proc + 1;
        this.lastNow = startTimeNanos == Long.MIN_VALUE ? Long.MIN_VALUE : startTimeNanos - 1;
        this.cursorStart = startTimeNanos;
        this.nearLimit = startOf(ticksPerWheel);
        slotMin = new long[ticksPerWheel];
        Arrays.fill(slotMin, Long.MAX_VALUE);
        bits = new long[Math.max(1, ticksPerWheel >>> 6)];
        summary = new long[(bits.length + 63) >>> 6];
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
        if (d >= nearLimit) {
            link(far, i);
            if (d < farMin) {
                farMin = d;
            }
        } else if (d > lastNow) {
            // Not before the cursor's tick, which starts at or before lastNow + 1.
            toSlot(i, d);
        } else {
            // A slot would hold it until its tick came round again; OVERDUE fires it next poll.
            link(overdue, i);
            if (d < overdueMin) {
                overdueMin = d;
            }
        }
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
        // Sentinels keep generation 0 and pending entries have odd ones, so neither a sentinel
        // nor a free entry can match.
        int[] generation = this.generation;
        if (Integer.compareUnsigned(i, generation.length) >= 0 || generation[i] != gen
                || (gen & 1) == 0) {
            return false;
        }
        int p = prev[i];
        int n = next[i];
        next[p] = n;
        prev[n] = p;
        if (p == n) {
            // Only a sentinel is its own neighbour: the list is now empty.
            emptied(p);
        }
        task[i] = null;
        generation[i] = gen + 1;
        next[i] = freeHead;
        freeHead = i;
        size--;
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
            int fired = drain(overdue, nowNanos, limit);
            if (fired < 0) {
                return ~fired;
            }
            long nowTick = tickOf(nowNanos);
            while (true) {
                int slot = firstSlot();
                if (slot < 0) {
                    // Nothing left in this rotation. Later ones start in FAR or DISTANT, all at
                    // or after nearLimit.
                    long min = Math.min(farMin, distantMin);
                    if (min <= nowNanos) {
                        advance(tickOf(min));
                        continue;
                    }
                    if (nowTick > cursor) {
                        advance(nowTick);
                    }
                    break;
                }
                long tick = rotationTick + slot;
                if (tick > nowTick) {
                    if (nowTick > cursor) {
                        moveCursor(nowTick);
                    }
                    break;
                }
                moveCursor(tick);
                int n = drain(slot, nowNanos, limit - fired);
                if (n < 0) {
                    return fired + ~n;
                }
                fired += n;
                if (tick == nowTick) {
                    // What is left in the slot is due later in this tick.
                    break;
                }
            }
            return fired;
        } finally {
            polling = false;
            restoreProc();
        }
    }

    /**
     * When the caller should poll next: never later than the earliest pending deadline, possibly
     * earlier (after a cancel); {@link #NO_DEADLINE} when nothing is pending. O(1).
     */
    public long nextDeadline() {
        if (size == 0) {
            return NO_DEADLINE;
        }
        int slot = firstSlot();
        // Everything in FAR and DISTANT is after the end of the rotation, so after every slot.
        long min = slot >= 0 ? slotMin[slot] : Math.min(farMin, distantMin);
        return Math.min(min, Math.min(overdueMin, procMin));
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
     * {@code nowNanos} and putting the others back.
     *
     * @return how many fired, or {@code ~fired} if {@code budget} ran out before the list did
     */
    private int drain(int list, long nowNanos, int budget) {
        if (next[list] == list) {
            return 0;
        }
        splice(list, proc);
        procMin = minOf(list);
        emptied(list);
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
            if (d <= nowNanos) {
                long id = (long) generation[i] << 32 | i;
                TimerTask t = task[i];
                release(i);
                fired++;
                t.onTimeout(id, nowNanos);
            } else {
                putBack(list, i, d);
            }
        }
        procMin = Long.MAX_VALUE;
        return fired;
    }

    /** Puts back what a drain cut short (by the limit or an exception) where it came from. */
    private void restoreProc() {
        if (next[proc] != proc) {
            int list = procOrigin;
            long min = procMin;
            splice(proc, list);
            procMin = Long.MAX_VALUE;
            if (list < wheelSize) {
                setBit(list);
                if (min < slotMin[list]) {
                    slotMin[list] = min;
                }
            } else if (min < overdueMin) {
                overdueMin = min;
            }
        }
        procMin = Long.MAX_VALUE;
    }

    private void putBack(int list, int i, long d) {
        if (list < wheelSize) {
            link(list, i);
            setBit(list);
            if (d < slotMin[list]) {
                slotMin[list] = d;
            }
        } else {
            link(overdue, i);
            if (d < overdueMin) {
                overdueMin = d;
            }
        }
    }

    /** Puts entry {@code i}, due at {@code d} in the cursor's rotation and not before it, in its slot. */
    private void toSlot(int i, long d) {
        int slot = (int) (tickOf(d) & mask);
        link(slot, i);
        setBit(slot);
        if (d < slotMin[slot]) {
            slotMin[slot] = d;
        }
    }

    /** Moves the cursor forward to {@code tick}, cascading FAR and DISTANT into a new rotation. */
    private void advance(long tick) {
        moveCursor(tick);
        if (tick - rotationTick < wheelSize) {
            return;
        }
        // Only called with every slot empty, so the slots are free for the new rotation.
        rotationTick = tick & ~(long) mask;
        nearLimit = rotationTick > Long.MAX_VALUE - wheelSize
                ? Long.MAX_VALUE : startOf(rotationTick + wheelSize);
        long limit = nearLimit;
        if (distantMin < limit) {
            long min = Long.MAX_VALUE;
            for (int i = next[distant]; i != distant; ) {
                int n = next[i];
                long d = deadline[i];
                if (d < limit) {
                    unlink(i);
                    toSlot(i, d);
                } else if (d < min) {
                    min = d;
                }
                i = n;
            }
            distantMin = min;
        }
        if (farMin < limit) {
            long min = distantMin;
            for (int i = next[far]; i != far; ) {
                int n = next[i];
                long d = deadline[i];
                unlink(i);
                if (d < limit) {
                    toSlot(i, d);
                } else {
                    link(distant, i);
                    if (d < min) {
                        min = d;
                    }
                }
                i = n;
            }
            distantMin = min;
            farMin = Long.MAX_VALUE;
        }
    }

    /** The lowest non-empty slot, which is the earliest, or -1. */
    private int firstSlot() {
        long[] s = summary;
        for (int k = 0; k < s.length; k++) {
            long word = s[k];
            if (word != 0) {
                int w = k << 6 | Long.numberOfTrailingZeros(word);
                return w << 6 | Long.numberOfTrailingZeros(bits[w]);
            }
        }
        return -1;
    }

    private void setBit(int slot) {
        int w = slot >>> 6;
        long word = bits[w];
        if (word == 0) {
            summary[w >>> 6] |= 1L << w;
        }
        bits[w] = word | 1L << slot;
    }

    private long minOf(int list) {
        if (list < wheelSize) {
            return slotMin[list];
        }
        return list == overdue ? overdueMin : list == far ? farMin : list == distant ? distantMin : procMin;
    }

    /** Records that sentinel {@code list} has become empty. */
    private void emptied(int list) {
        if (list < wheelSize) {
            slotMin[list] = Long.MAX_VALUE;
            int w = list >>> 6;
            long word = bits[w] & ~(1L << list);
            bits[w] = word;
            if (word == 0) {
                summary[w >>> 6] &= ~(1L << w);
            }
        } else if (list == overdue) {
            overdueMin = Long.MAX_VALUE;
        } else if (list == far) {
            farMin = Long.MAX_VALUE;
        } else if (list == distant) {
            distantMin = Long.MAX_VALUE;
        } else {
            procMin = Long.MAX_VALUE;
        }
    }

    private long tickOf(long t) {
        long rel = t - cursorStart;
        if (t >= cursorStart && rel >= 0 && rel < fastLimit) {
            // Spares a 64-bit division, slow on many cores. Measuring from the cursor keeps rel
            // small however long the wheel runs; for rel < 2^50, rel * ceil(2^51 / tick) / 2^51
            // is rel / tick plus less than a half, so the quotient is exact or one too many.
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
        cursorStart = startOf(tick);
    }

    /** The first nanosecond of {@code tick} (>= 0), or {@code Long.MAX_VALUE} past the range. */
    private long startOf(long tick) {
        if (tick > maxTick) {
            return Long.MAX_VALUE;
        }
        long start = startTimeNanos + tick * tickNanos;
        // The offset is >= 0, so a sum below the start means it overflowed.
        return start < startTimeNanos ? Long.MAX_VALUE : start;
    }

    private void link(int list, int i) {
        int last = prev[list];
        next[last] = i;
        prev[i] = last;
        next[i] = list;
        prev[list] = i;
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
        task[i] = null;
        generation[i]++; // odd while pending, so a freed entry matches no id
        next[i] = freeHead;
        freeHead = i;
        size--;
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
