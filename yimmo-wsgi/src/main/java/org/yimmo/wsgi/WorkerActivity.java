package org.yimmo.wsgi;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What each worker thread is doing, for the watchdog: requests served so far ({@code
 * --max-requests}) and since when the current one has been in the application ({@code
 * --timeout}). Each slot is written only by its worker thread, with release stores and no
 * read-modify-write, and read by the watchdog; slots sit a cache line apart so that busy workers
 * do not slow each other down.
 */
final class WorkerActivity {

    /** Longs per slot: 128 bytes, a cache line (two on CPUs that prefetch pairs). */
    private static final int STRIDE = 16;
    private static final int SERVED = 0;
    private static final int BUSY_SINCE = 1;
    private static final long IDLE = 0;

    private final AtomicLongArray slots;
    private final int count;

    WorkerActivity(int count) {
        this.count = count;
        this.slots = new AtomicLongArray(count * STRIDE);
    }

    /** Worker {@code slot} starts a request at {@code nanoTime} (never 0: the clock is nudged). */
    void begin(int slot, long nanoTime) {
        slots.setRelease(slot * STRIDE + BUSY_SINCE, nanoTime == IDLE ? 1 : nanoTime);
    }

    /** Worker {@code slot} finished its request. */
    void end(int slot) {
        int base = slot * STRIDE;
        slots.setRelease(base + BUSY_SINCE, IDLE);
        slots.setRelease(base + SERVED, slots.getPlain(base + SERVED) + 1);
    }

    /** Requests finished by every worker. */
    long served() {
        long total = 0;
        for (int slot = 0; slot < count; slot++) {
            total += slots.getAcquire(slot * STRIDE + SERVED);
        }
        return total;
    }

    /** The slot whose request has run longest, if longer than {@code limitNanos}; else -1. */
    int stuckSlot(long nowNanos, long limitNanos) {
        int stuck = -1;
        long longest = limitNanos;
        for (int slot = 0; slot < count; slot++) {
            long since = slots.getAcquire(slot * STRIDE + BUSY_SINCE);
            if (since != IDLE && nowNanos - since > longest) {
                longest = nowNanos - since;
                stuck = slot;
            }
        }
        return stuck;
    }

    /** How long {@code slot}'s current request has run, or 0 when it is idle. */
    long busyNanos(int slot, long nowNanos) {
        long since = slots.getAcquire(slot * STRIDE + BUSY_SINCE);
        return since == IDLE ? 0 : nowNanos - since;
    }
}
