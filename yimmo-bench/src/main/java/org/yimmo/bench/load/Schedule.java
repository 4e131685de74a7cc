package org.yimmo.bench.load;

/**
 * The open loop's timetable for one connection: request {@code k} is due at
 * {@code start + k * interval}, whatever happened to the requests before it (wrk2's rule). A
 * response that comes late therefore makes the following requests late too, and their latency,
 * counted from the time they were due, shows the wait a user would have seen: the correction for
 * coordinated omission.
 *
 * <p>Not thread safe; time is passed in by the caller.
 */
final class Schedule {

    private final long startNanos;
    private final double intervalNanos;
    private long index;

    Schedule(long startNanos, double intervalNanos) {
        this.startNanos = startNanos;
        this.intervalNanos = intervalNanos;
    }

    /** When the next request is due (computed from the start, so rounding never drifts). */
    long due() {
        return startNanos + (long) (index * intervalNanos);
    }

    /** The next request was sent (or given up); moves on to the one after it. */
    void advance() {
        index++;
    }
}
