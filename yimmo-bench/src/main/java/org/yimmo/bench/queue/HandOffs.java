package org.yimmo.bench.queue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.yimmo.core.queue.ReactorInbox;
import org.yimmo.core.queue.WorkQueue;

/**
 * Reaches the package-private {@code withQueue} factories of {@link WorkQueue} and
 * {@link ReactorInbox}, which build the same hand-off over another {@link Queue} (e.g.
 * {@code ArrayBlockingQueue}) for comparison. Reflection at set-up time only; everything runs on
 * the class path (one unnamed module), so {@code setAccessible} is allowed.
 */
public final class HandOffs {

    private static final Method WORK_QUEUE;
    private static final Method INBOX;

    static {
        try {
            WORK_QUEUE = WorkQueue.class.getDeclaredMethod("withQueue", Queue.class, int.class,
                    Executor.class, Runnable.class);
            WORK_QUEUE.setAccessible(true);
            INBOX = ReactorInbox.class.getDeclaredMethod("withQueue", Queue.class, int.class,
                    int.class, Executor.class, Consumer.class);
            INBOX.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private HandOffs() {
    }

    @SuppressWarnings("unchecked")
    public static <T> WorkQueue<T> workQueue(Queue<T> queue, int capacity, Executor producer,
            Runnable onSpaceAvailable) {
        return (WorkQueue<T>) invoke(WORK_QUEUE, queue, capacity, producer, onSpaceAvailable);
    }

    @SuppressWarnings("unchecked")
    public static <T> ReactorInbox<T> inbox(Queue<T> queue, int capacity, int batchSize,
            Executor reactor, Consumer<? super T> sink) {
        return (ReactorInbox<T>) invoke(INBOX, queue, capacity, batchSize, reactor, sink);
    }

    private static Object invoke(Method factory, Object... args) {
        try {
            return factory.invoke(null, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException(cause);
        }
    }
}
