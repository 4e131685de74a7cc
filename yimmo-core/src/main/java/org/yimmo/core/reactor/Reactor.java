package org.yimmo.core.reactor;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import org.yimmo.core.buffer.BufferPool;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.timer.TimerWheel;

/**
 * An event loop: one thread waits for socket readiness, timers and submitted tasks, and runs all
 * the callbacks of what is registered with it.
 *
 * <p>Threading: the thread that first calls {@link #run()} or {@link #runOnce(long)} becomes the
 * reactor thread, and everything registered with the reactor (connections, handlers, the timer
 * wheel, the buffer pool) is touched only on it. Other threads reach that state only through
 * {@link #execute(Runnable)}. {@link #listen}, {@link #connect}, {@link #execute} and
 * {@link #close()} may be called from any thread.
 *
 * <p>A test can drive the loop one turn at a time with {@link #runOnce(long)} on its own thread.
 */
public interface Reactor extends Executor, AutoCloseable {

    /** The backend's name: {@code select}, {@code epoll} or {@code kqueue}. */
    String backend();

    /**
     * Binds (or adopts, for an inherited descriptor) a listening socket and accepts connections
     * on it, each served by a handler from {@code protocol}. The socket is bound when this
     * returns, so {@link Listener#localAddress()} is known at once.
     */
    Listener listen(ListenAddress address, ProtocolFactory protocol) throws IOException;

    /**
     * Opens a client connection. {@code handler} gets {@code onOpen} once connected, or
     * {@code onClosed} with the cause if the connection could not be made.
     */
    Connection connect(SocketAddress remote, ConnectionHandler handler) throws IOException;

    /**
     * Runs {@code task} on the reactor thread, after the tasks this thread submitted before it.
     * Wakes the reactor only if it is (about to be) asleep, so a burst of tasks costs one wake-up.
     * Tasks submitted after {@link #close()} are dropped.
     */
    @Override
    void execute(Runnable task);

    /** True on the reactor thread. */
    boolean inReactorThread();

    /** The reactor's clock, in nanoseconds; the one the timer wheel is driven with. */
    long nanoTime();

    /** Timers, due on the reactor thread; the loop sleeps no longer than the next deadline. */
    TimerWheel timers();

    /** Direct read buffers for the protocols on this reactor; reactor thread only. */
    BufferPool buffers();

    /**
     * One turn of the loop: runs submitted tasks, waits at most {@code maxWaitNanos} (less if a
     * timer is due or a task is pending; 0 polls without blocking) for readiness, dispatches it,
     * fires due timers and runs the tasks that arrived meanwhile.
     *
     * @return the number of I/O events, timers and tasks handled
     */
    int runOnce(long maxWaitNanos) throws IOException;

    /** Runs turns until {@link #close()}; then closes every listener and connection. */
    void run();

    /** Starts {@link #run()} on a new thread of that name and returns the thread. */
    default Thread start(String threadName) {
        Thread thread = new Thread(this::run, threadName);
        thread.start();
        return thread;
    }

    /**
     * Asks the loop to stop; idempotent, any thread. {@link #run()} then returns. A reactor whose
     * loop never ran is shut down by this call itself, its listeners closed (a server that failed
     * to start must not keep its ports); running it afterwards returns at once.
     */
    @Override
    void close();

    /** How many times another thread woke the loop; for observing coalescing. */
    long wakeups();
}
