package org.yimmo.core.queue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in reactor for tests: tasks run on the thread that calls {@link #runOnce}, which parks
 * when there is nothing to do; {@link #execute} unparks it only if it sleeps.
 */
final class LoopExecutor implements Executor {
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sleeping = new AtomicInteger();
    private final AtomicInteger executed = new AtomicInteger();
    private volatile Thread owner;

    @Override
    public void execute(Runnable task) {
        executed.incrementAndGet();
        tasks.add(task);
        if (sleeping.get() != 0 && sleeping.compareAndSet(1, 0)) {
            LockSupport.unpark(owner);
        }
    }

    int executeCount() {
        return executed.get();
    }

    /** Runs pending tasks; if there were none, parks (at most maxParkMillis) and runs what came. */
    int runOnce(long maxParkMillis) {
        owner = Thread.currentThread();
        int n = runPending();
        if (n > 0) {
            return n;
        }
        sleeping.set(1);
        if (tasks.isEmpty()) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(maxParkMillis));
        }
        sleeping.set(0);
        return runPending();
    }

    int runPending() {
        int n = 0;
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
            n++;
        }
        return n;
    }
}
