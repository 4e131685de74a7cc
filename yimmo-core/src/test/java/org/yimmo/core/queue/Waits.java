package org.yimmo.core.queue;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded polling for states that have no event to wait on (e.g. "this thread is parked"). */
final class Waits {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Waits() {
    }

    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Waits until {@code thread} is parked (LockSupport.park reports WAITING). */
    static void untilParked(Thread thread) {
        until(thread.getName() + " is WAITING", () -> thread.getState() == Thread.State.WAITING);
    }

    static void join(Thread thread) throws InterruptedException {
        thread.join(TIMEOUT.toMillis());
        if (thread.isAlive()) {
            fail(thread.getName() + " did not finish; stack: "
                    + java.util.Arrays.toString(thread.getStackTrace()));
        }
    }
}
