package org.yimmo.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.yimmo.core.reactor.Reactor;

/** Looks at a running reactor's state from a test thread, on the reactor thread where it lives. */
public final class OnLoop {

    private OnLoop() {
    }

    /** Runs {@code task} on the reactor thread and returns its result, waiting at most {@code wait}. */
    public static <T> T call(Reactor reactor, Callable<T> task, Duration wait) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        reactor.execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Polls {@code condition} on the reactor thread until it holds; fails after {@code wait}. */
    public static void await(Reactor reactor, BooleanSupplier condition, Duration wait) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!call(reactor, condition::getAsBoolean, wait)) {
            assertTrue(System.nanoTime() < deadline, "condition not reached on the reactor thread");
            Thread.onSpinWait();
        }
    }
}
