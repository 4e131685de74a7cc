package org.yimmo.bench.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;

/**
 * A minimal stand-in for the reactor in hand-off benchmarks: tasks run on the one thread that
 * calls {@link #runOnce()}, which parks when it has nothing to do; {@link #execute} unparks it only
 * if it sleeps (coalesced, like {@code Reactor.execute}). Allocation-free after construction.
 *
 * <p>Threading: {@link #execute} from any thread; {@link #bind()} and {@link #runOnce()} on the
 * owner thread only.
 */
public final class LoopReactor implements Executor {

    private static final VarHandle SLEEPING;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(LoopReactor.class, "sleeping", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MpscArrayQueue<Runnable> tasks;
    private volatile Thread owner;
    private volatile int sleeping;

    public LoopReactor(int taskCapacity) {
        tasks = new MpscArrayQueue<>(taskCapacity);
    }

    /** Makes the calling thread the owner. */
    public void bind() {
        owner = Thread.currentThread();
    }

    @Override
    public void execute(Runnable task) {
        if (!tasks.offer(task)) {
            throw new RejectedExecutionException("task queue full");
        }
        // tasks.offer ends with a CAS; the owner sets the flag (volatile) before re-checking tasks.
        if (sleeping != 0 && SLEEPING.compareAndSet(this, 1, 0)) {
            LockSupport.unpark(owner);
        }
    }

    /** Owner only: runs the pending tasks, or parks until some arrive and runs them. */
    public int runOnce() {
        int ran = runPending();
        if (ran > 0) {
            return ran;
        }
        SLEEPING.setVolatile(this, 1);
        // The flag, not the permit, says whether we were woken (a task may have taken a lock that
        // swallowed an unpark).
        while (sleeping == 1 && tasks.isEmpty()) {
            LockSupport.park(this);
        }
        sleeping = 0;
        return runPending();
    }

    private int runPending() {
        int ran = 0;
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
            ran++;
        }
        return ran;
    }
}
