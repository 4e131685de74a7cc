package org.yimmo.http;

import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One party waiting for the other side of a {@link BytePipe}: a parked thread, or a callback to
 * run on the reactor thread. The waiter registers and then re-checks its condition; the signaller
 * changes the condition and then signals; both sides go through volatiles, so one of them always
 * sees the other and no wake-up is lost.
 */
final class Waiter {

    private static final VarHandle WAITER;

    static {
        try {
            WAITER = MethodHandles.lookup().findVarHandle(Waiter.class, "waiter", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The condition a blocked thread waits for, re-checked after every wake-up. */
    interface Condition {
        boolean ready();
    }

    /** null, a {@link Thread} parked in {@link #await}, or a {@link Runnable} callback. */
    @SuppressWarnings("unused") // through WAITER
    private volatile Object waiter;

    /** Registers a one-shot callback; it replaces a callback registered before. */
    void register(Runnable callback) {
        waiter = callback;
    }

    /**
     * Takes the registered callback if it is still registered, or null. For a registrant that
     * finds its condition already true and must run the callback itself (once).
     */
    Runnable take(Runnable callback) {
        return WAITER.compareAndSet(this, callback, null) ? callback : null;
    }

    /** Wakes the parked thread or runs the callback, once; on the signalling thread. */
    void signal() {
        Object current = waiter;
        if (current != null && WAITER.compareAndSet(this, current, null)) {
            if (current instanceof Thread thread) {
                LockSupport.unpark(thread);
            } else {
                ((Runnable) current).run();
            }
        }
    }

    /**
     * Parks the calling thread until {@code condition} holds, running {@code beforePark} and
     * {@code afterWake} around each park (the WSGI workers release the GIL there).
     */
    void await(Condition condition, Runnable beforePark, Runnable afterWake)
            throws InterruptedIOException {
        Thread self = Thread.currentThread();
        while (!condition.ready()) {
            waiter = self;
            if (condition.ready()) {
                WAITER.compareAndSet(this, self, null);
                return;
            }
            beforePark.run();
            try {
                LockSupport.park(this);
            } finally {
                afterWake.run();
            }
            WAITER.compareAndSet(this, self, null);
            if (Thread.interrupted()) {
                throw new InterruptedIOException("interrupted while waiting for the peer");
            }
        }
    }
}
