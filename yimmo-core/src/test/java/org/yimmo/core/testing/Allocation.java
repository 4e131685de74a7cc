package org.yimmo.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

/**
 * Measures what the current thread allocates, for tests that guard a no-allocation hot path.
 * Bounds in such tests should leave room for the little that JIT compilation and the measuring
 * itself allocate: one object per operation shows up as megabytes over 100,000 operations.
 */
public final class Allocation {

    private Allocation() {
    }

    /** Bytes the current thread allocated while running {@code work}. */
    public static long bytesAllocatedBy(Runnable work) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocation");
        threads.setThreadAllocatedMemoryEnabled(true);
        long before = threads.getCurrentThreadAllocatedBytes();
        work.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
