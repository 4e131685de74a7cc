package org.yimmo.core.queue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/** Records submitted tasks and runs them only when the test says so, on the test's thread. */
final class ManualExecutor implements Executor {
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger executed = new AtomicInteger();

    @Override
    public void execute(Runnable task) {
        executed.incrementAndGet();
        tasks.add(task);
    }

    /** How many times execute() was called. */
    int executeCount() {
        return executed.get();
    }

    int pending() {
        return tasks.size();
    }

    /** Runs the oldest pending task; false if there was none. */
    boolean runOne() {
        Runnable task = tasks.poll();
        if (task == null) {
            return false;
        }
        task.run();
        return true;
    }

    /** Runs tasks, including ones submitted meanwhile, until none is pending; returns how many. */
    int runAll() {
        int n = 0;
        while (runOne()) {
            n++;
        }
        return n;
    }

    Runnable peek() {
        return tasks.peek();
    }
}
