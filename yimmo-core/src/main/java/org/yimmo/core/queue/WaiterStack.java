package org.yimmo.core.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * A lock-free set of threads that are (about to be) parked waiting for a condition, from which
 * other threads wake one, a few or all. Used by {@link WorkQueue} for idle workers and by
 * {@link ReactorInbox} for producers blocked in {@code put}.
 *
 * <p>Threading: any thread may call {@link #wakeOne()}, {@link #wakeUpTo(int)},
 * {@link #wakeAll()} and {@link #hasWaiters()}; {@link #current()}, {@link #arm} and
 * {@link #disarm} are called by a waiting thread on its own {@link Waiter} only.
 *
 * <p>Structure: each thread that ever waits gets one {@link Waiter} (registered once, on its
 * first wait, through a {@link ThreadLocal}; never freed, so a pool that keeps creating new
 * threads keeps growing the registry). Waiters are kept in a Treiber stack whose head is a
 * {@code long}: the low 32 bits are the waiter's registry index + 1 (0 = empty), the high 32 bits
 * a stamp bumped by every successful push or pop. Nodes are reused, so without the stamp a popper
 * that read head=A, A.next=B could be overtaken by "pop A, pop B, push A" and then install B,
 * which is no longer in the stack (ABA). With the stamp, ABA would need 2^32 stack operations to
 * happen while one popper is between its read and its CAS. LIFO order also favours the most
 * recently idle (cache-warm) thread.
 *
 * <p>A waiter's {@code state} tells whether it is physically linked and whether it still wants
 * a wake-up:
 * <ul>
 *   <li>{@code UNLINKED}: not in the stack. Only a popper sets it, after unlinking the node, so
 *       the owner may push again only once it sees this state (pushing a node that is still
 *       linked would make a cycle).</li>
 *   <li>{@code IDLE}: linked and parked, or about to park: a waker that pops it unparks it.</li>
 *   <li>{@code BUSY}: linked but the owner found what it was waiting for by itself (a cancelled
 *       wait). A waker that pops it just drops it and pops the next one, so the wake-up goes to a
 *       thread that really waits instead of being wasted on a running one. The owner can turn it
 *       back into {@code IDLE} without pushing as long as it is still linked.</li>
 * </ul>
 * Wakers claim a popped node with {@code getAndSet(UNLINKED)}; owners move {@code BUSY <-> IDLE}
 * with CAS, so exactly one of "owner re-arms a linked node" and "waker unlinks it" wins, and a
 * waker unparks only a node that was {@code IDLE} when it claimed it.
 *
 * <p>Memory ordering: {@link #arm} ends with a CAS (push or {@code BUSY->IDLE}), a full fence,
 * so a waiter's re-check of its condition after arming cannot be reordered before its
 * publication; wakers must likewise make their state change visible before calling
 * {@link #hasWaiters()} / {@code wake*} (a CAS inside their queue operation, or
 * {@link VarHandle#fullFence()}). That is the Dekker handshake that rules out lost wake-ups.
 */
final class WaiterStack {

    static final int UNLINKED = 0;
    static final int IDLE = 1;
    static final int BUSY = 2;

    /** One per (thread, stack); reused for every wait of that thread on that stack. */
    static final class Waiter {
        final Thread thread;
        final int index;
        /** UNLINKED, IDLE or BUSY; accessed through {@link #STATE}. */
        volatile int state;
        /**
         * Registry index + 1 of the node below this one, 0 at the bottom. Written only by the owner
         * just before the push CAS (which publishes it); a popper may read a newer value if the
         * node was popped and pushed again meanwhile, but then the head's stamp has changed and
         * its CAS fails, so a plain field is enough.
         */
        int next;

        Waiter(Thread thread, int index) {
            this.thread = thread;
            this.index = index;
        }
    }

    private static final VarHandle HEAD;
    private static final VarHandle REGISTRY;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(WaiterStack.class, "head", long.class);
            REGISTRY = lookup.findVarHandle(WaiterStack.class, "registry", Waiter[].class);
            STATE = lookup.findVarHandle(Waiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** stamp << 32 | (index + 1); 0 in the low half means empty. */
    private volatile long head;
    /** Copy-on-write; grows by one entry per thread that ever waits here. */
    private volatile Waiter[] registry = new Waiter[0];
    private final ThreadLocal<Waiter> local = ThreadLocal.withInitial(this::register);

    /** The calling thread's waiter, registered on its first call (the only allocation). */
    Waiter current() {
        return local.get();
    }

    private Waiter register() {
        Thread thread = Thread.currentThread();
        for (;;) {
            Waiter[] old = registry;
            Waiter waiter = new Waiter(thread, old.length);
            Waiter[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = waiter;
            if (REGISTRY.compareAndSet(this, old, grown)) {
                return waiter;
            }
        }
    }

    /** True if some waiter is linked (it may be BUSY); one volatile read. */
    boolean hasWaiters() {
        return (int) head != 0;
    }

    /**
     * Publishes {@code waiter} (the caller's own) as wanting a wake-up. Ends with a full fence, so
     * the caller may re-check its condition right after and then park.
     */
    void arm(Waiter waiter) {
        int state = waiter.state;
        if (state == IDLE) {
            // Still linked and armed from an earlier turn (we woke spuriously); that arming was
            // followed by a fence already.
            return;
        }
        if (state == BUSY && STATE.compareAndSet(waiter, BUSY, IDLE)) {
            return; // still linked: re-armed in place
        }
        // UNLINKED (possibly just now, by a waker that beat our CAS): the node is out of the
        // stack, so it is ours to push.
        waiter.state = IDLE;
        push(waiter);
    }

    /**
     * Withdraws the caller's wish to be woken (it found what it waited for, or gives up). The node
     * may stay linked as BUSY; wakers skip it. If a waker claimed it first, its unpark leaves a
     * permit that makes one later park return at once, which callers tolerate.
     */
    void disarm(Waiter waiter) {
        if (waiter.state == IDLE) {
            STATE.compareAndSet(waiter, IDLE, BUSY);
        }
    }

    /**
     * Parks the caller (the owner of {@code waiter}) if it is still armed. A waker sets a node
     * {@code UNLINKED} before unparking its thread, so the state, not the park permit, decides:
     * code the caller ran since arming may have consumed the permit (a contended lock parks in
     * AQS, whose retry loop swallows unrelated unparks), and parking on a node nobody will pop
     * again would be a lost wake-up. May return spuriously; callers loop and re-arm.
     */
    void park(Waiter waiter, Object blocker) {
        if (waiter.state == IDLE) {
            LockSupport.park(blocker);
        }
    }

    /** Wakes one waiting thread, if any; returns whether it unparked one. */
    boolean wakeOne() {
        while (hasWaiters()) {
            Waiter waiter = pop();
            if (waiter == null) {
                return false;
            }
            if ((int) STATE.getAndSet(waiter, UNLINKED) == IDLE) {
                LockSupport.unpark(waiter.thread);
                return true;
            }
            // It was BUSY: unlinked now, the wake-up goes to the next one.
        }
        return false;
    }

    /** Wakes up to {@code count} waiting threads; returns how many it unparked. */
    int wakeUpTo(int count) {
        int woken = 0;
        while (woken < count && wakeOne()) {
            woken++;
        }
        return woken;
    }

    /** Unlinks every waiter and unparks those that were waiting. */
    void wakeAll() {
        while (wakeOne()) {
            // keep popping: wakeOne skips BUSY nodes itself
        }
    }

    private void push(Waiter waiter) {
        long newLow = waiter.index + 1L;
        for (;;) {
            long h = head;
            waiter.next = (int) h;
            long next = (((h >>> 32) + 1) << 32) | newLow;
            if (HEAD.compareAndSet(this, h, next)) {
                return;
            }
        }
    }

    private Waiter pop() {
        for (;;) {
            long h = head;
            int top = (int) h;
            if (top == 0) {
                return null;
            }
            // The registry read is after the head read, and the node was registered before its
            // owner pushed it, so the index is always within this array.
            Waiter waiter = registry[top - 1];
            long next = (((h >>> 32) + 1) << 32) | (waiter.next & 0xFFFF_FFFFL);
            if (HEAD.compareAndSet(this, h, next)) {
                return waiter;
            }
        }
    }
}
