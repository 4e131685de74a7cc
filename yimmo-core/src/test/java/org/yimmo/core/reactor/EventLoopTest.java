package org.yimmo.core.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;

/**
 * The loop skeleton on a fake kernel that records what the loop asks of it; the conformance suite
 * checks the same loop on real ones, this pins the order of a turn and the shutdown.
 */
class EventLoopTest {

    private final AtomicLong now = new AtomicLong();

    /** Records every hook call; {@code onPoll} runs inside the poll, on the loop thread. */
    private final class FakeKernel extends EventLoop {
        final List<String> log = new ArrayList<>();
        final List<Long> timeouts = new ArrayList<>();
        final AtomicInteger kernelWakeUps = new AtomicInteger();
        LongConsumer onPoll = timeout -> { };

        FakeKernel() {
            super(ReactorOptions.defaults().withClock(now::get));
        }

        @Override
        protected void beforePoll() {
            log.add("beforePoll");
        }

        @Override
        protected int poll(long timeoutNanos) {
            log.add("poll");
            timeouts.add(timeoutNanos);
            onPoll.accept(timeoutNanos);
            return 1;
        }

        @Override
        protected int dispatch(int ready) {
            log.add("dispatch");
            return ready;
        }

        @Override
        protected void wakeUpKernel() {
            kernelWakeUps.incrementAndGet();
        }

        @Override
        protected void closeRegistrations() {
            log.add("closeRegistrations");
            notifyClosedLater(() -> log.add("onClosed"));
        }

        @Override
        protected void closeKernelResources() {
            log.add("closeKernelResources");
        }

        @Override
        public String backend() {
            return "fake";
        }

        @Override
        public Listener listen(ListenAddress address, ProtocolFactory protocol) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Connection connect(SocketAddress remote, ConnectionHandler handler) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aTurnRunsTasksThenPollsDispatchesFiresTimersAndRunsTheTasksThatArrived() throws IOException {
        FakeKernel loop = new FakeKernel();
        loop.execute(() -> loop.log.add("task before"));
        loop.timers().schedule(0, (id, at) -> loop.log.add("timer"));
        loop.onPoll = timeout -> loop.execute(() -> loop.log.add("task during"));

        assertEquals(4, loop.runOnce(Long.MAX_VALUE), "a task, an event, a timer, a task");

        assertEquals(List.of("task before", "beforePoll", "poll", "dispatch", "timer", "task during"), loop.log);
        assertEquals(0, loop.wakeups(), "tasks from the loop thread never wake it");
    }

    @Test
    void thePollWaitsNoLongerThanTheCallerAndTheNextTimerAllow() throws IOException {
        FakeKernel loop = new FakeKernel();
        loop.runOnce(Long.MAX_VALUE);
        loop.runOnce(1_500_000);
        loop.runOnce(0);
        loop.timers().schedule(7_000_000, (id, at) -> { });
        loop.runOnce(Long.MAX_VALUE);
        for (int i = 0; i <= loop.options().tasksPerTurn(); i++) {
            loop.execute(() -> { }); // one more than a turn runs before it polls
        }
        loop.runOnce(Long.MAX_VALUE);

        List<Long> timeouts = loop.timeouts;
        assertEquals(EventLoop.NO_TIMEOUT, timeouts.get(0));
        assertEquals(1_500_000, timeouts.get(1));
        assertEquals(0, timeouts.get(2));
        assertTrue(timeouts.get(3) > 0 && timeouts.get(3) <= 8_000_000, "until the timer: " + timeouts.get(3));
        assertEquals(0, timeouts.get(4), "a task still queued: no sleep");
    }

    @Test
    void onlyOneWakeUpWhileTheLoopSleeps() throws Exception {
        FakeKernel loop = new FakeKernel();
        AtomicInteger ran = new AtomicInteger();
        loop.onPoll = timeout -> {
            if (timeout == EventLoop.NO_TIMEOUT) {
                Thread producer = new Thread(() -> {
                    for (int i = 0; i < 3; i++) {
                        loop.execute(ran::incrementAndGet);
                    }
                });
                producer.start();
                try {
                    producer.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        };

        loop.runOnce(Long.MAX_VALUE);

        assertEquals(3, ran.get());
        assertEquals(1, loop.wakeups());
        assertEquals(1, loop.kernelWakeUps.get());
    }

    @Test
    void theFirstThreadToRunOwnsTheLoop() throws Exception {
        FakeKernel loop = new FakeKernel();
        assertFalse(loop.hasOwner());
        loop.runOnce(0);
        assertTrue(loop.hasOwner());
        assertTrue(loop.inReactorThread());

        AtomicReference<Throwable> refused = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                loop.runOnce(0);
            } catch (Throwable t) {
                refused.set(t);
            }
        }, "other");
        other.start();
        other.join();
        assertTrue(refused.get() instanceof IllegalStateException, String.valueOf(refused.get()));
        assertEquals("reactor belongs to thread " + Thread.currentThread().getName() + ", not other",
                refused.get().getMessage());
        assertFalse(loop.isTerminated());
    }

    @Test
    void closeEndsTheTurnWithoutSleepingAndShutsDownInOrder() throws Exception {
        FakeKernel loop = new FakeKernel();
        loop.runOnce(0);
        loop.log.clear();
        Thread closer = new Thread(loop::close);
        closer.start();
        closer.join();
        assertEquals(1, loop.kernelWakeUps.get(), "close wakes the kernel");
        assertEquals(0, loop.wakeups(), "but is not counted as a task's wake-up");

        loop.runOnce(Long.MAX_VALUE);

        assertEquals(List.of("beforePoll", "poll", "dispatch", "closeRegistrations", "onClosed", "closeKernelResources"),
                loop.log);
        assertEquals(0, loop.timeouts.get(loop.timeouts.size() - 1));
        assertTrue(loop.isTerminated());
        AtomicInteger ran = new AtomicInteger();
        loop.execute(ran::incrementAndGet);
        assertEquals(0, loop.runOnce(0));
        assertEquals(0, ran.get(), "tasks after close are dropped");
    }
}
