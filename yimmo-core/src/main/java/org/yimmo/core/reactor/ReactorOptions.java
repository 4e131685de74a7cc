package org.yimmo.core.reactor;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How a reactor is built.
 *
 * @param clock            nanosecond clock driving the timers; tests pass a fake one
 * @param timerTickNanos   timer resolution: a timer fires at most one tick after its deadline
 * @param timerWheelSize   slots in the wheel (a positive power of two)
 * @param bufferSize       size of each pooled direct read buffer
 * @param maxPooledBuffers free buffers kept for reuse; more are left to the garbage collector
 * @param tasksPerTurn     submitted tasks run per turn before I/O is looked at again
 * @param acceptsPerTurn   connections accepted per listener per turn
 */
public record ReactorOptions(
        LongSupplier clock,
        long timerTickNanos,
        int timerWheelSize,
        int bufferSize,
        int maxPooledBuffers,
        int tasksPerTurn,
        int acceptsPerTurn) {

    public ReactorOptions {
        if (timerTickNanos <= 0 || timerWheelSize <= 0 || Integer.bitCount(timerWheelSize) != 1 || bufferSize <= 0
                || maxPooledBuffers < 0 || tasksPerTurn <= 0 || acceptsPerTurn <= 0) {
            throw new IllegalArgumentException("invalid reactor options: " + toString());
        }
    }

    public static ReactorOptions defaults() {
        return new ReactorOptions(System::nanoTime, TimeUnit.MILLISECONDS.toNanos(1), 1024,
                16 * 1024, 256, 1024, 64);
    }

    public ReactorOptions withClock(LongSupplier newClock) {
        return new ReactorOptions(newClock, timerTickNanos, timerWheelSize, bufferSize, maxPooledBuffers,
                tasksPerTurn, acceptsPerTurn);
    }

    public ReactorOptions withAcceptsPerTurn(int newAcceptsPerTurn) {
        return new ReactorOptions(clock, timerTickNanos, timerWheelSize, bufferSize, maxPooledBuffers,
                tasksPerTurn, newAcceptsPerTurn);
    }
}
