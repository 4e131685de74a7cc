package org.yimmo.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.yimmo.core.testing.Allocation;

class WorkQueueTest {

    private static final Duration TEST_TIMEOUT = Duration.ofSeconds(60);

    /** Both backings must follow the same policy; the ABQ one is what the benchmark compares. */
    private static <T> WorkQueue<T> newQueue(String backing, int capacity,
            java.util.concurrent.Executor executor, Runnable onSpace) {
        if (backing.equals("abq")) {
            return WorkQueue.withQueue(new ArrayBlockingQueue<>(capacity), capacity, executor,
                    onSpace);
        }
        return new WorkQueue<>(capacity, executor, onSpace);
    }

    @Test
    void shouldRoundCapacityUpToAPowerOfTwo() {
        assertEquals(8, new WorkQueue<String>(5, Runnable::run, null).capacity());
        assertEquals(2, new WorkQueue<String>(2, Runnable::run, null).capacity());
    }

    @Test
    void shouldPollWithoutBlockingAndKeepFifoOrderForOneConsumer() {
        WorkQueue<Integer> queue = new WorkQueue<>(16, Runnable::run, null);
        assertNull(queue.poll());
        for (int i = 0; i < 10; i++) {
            assertTrue(queue.offer(i));
        }
        for (int i = 0; i < 10; i++) {
            assertEquals(i, queue.poll());
        }
        assertNull(queue.poll());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldRefuseWhenFullAndCallBackOnceAfterAWorkerTakes(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            ManualExecutor reactor = new ManualExecutor();
            AtomicInteger resumed = new AtomicInteger();
            Runnable onSpace = resumed::incrementAndGet;
            WorkQueue<String> queue = newQueue(backing, 4, reactor, onSpace);
            for (int i = 0; i < 4; i++) {
                assertTrue(queue.offer("item" + i));
            }
            assertFalse(queue.offer("refused1"));
            assertFalse(queue.offer("refused2"));
            assertEquals(0, reactor.executeCount(), "no callback before space is freed");
            assertEquals(4, queue.size(), "nothing dropped, nothing added");

            // A worker thread frees one slot.
            AtomicReference<String> taken = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    taken.set(queue.take());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "worker");
            worker.start();
            Waits.join(worker);
            assertEquals("item0", taken.get());

            assertEquals(1, reactor.executeCount(), "one callback for the refusal episode");
            assertSame(onSpace, reactor.peek(), "the pre-made callback, not a wrapper");
            assertEquals(0, resumed.get(), "the callback runs on the producer's executor");
            reactor.runAll();
            assertEquals(1, resumed.get());

            // More takes in the same episode do not call back again.
            assertEquals("item1", queue.poll());
            assertEquals("item2", queue.poll());
            assertEquals(1, reactor.executeCount());

            // A new episode gets its own callback.
            assertTrue(queue.offer("a"));
            assertTrue(queue.offer("b"));
            assertTrue(queue.offer("c"));
            assertFalse(queue.offer("d"));
            assertEquals("item3", queue.poll());
            assertEquals(2, reactor.executeCount());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldParkIdleWorkerAndWakeItOnOffer(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            WorkQueue<String> queue = newQueue(backing, 8, Runnable::run, null);
            AtomicInteger beforePark = new AtomicInteger();
            AtomicInteger afterWake = new AtomicInteger();
            Runnable before = beforePark::incrementAndGet;
            Runnable after = afterWake::incrementAndGet;
            AtomicReference<String> taken = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    taken.set(queue.take(before, after));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "idle-worker");
            worker.start();

            Waits.untilParked(worker);
            assertTrue(queue.hasIdleWorkers(), "a parked worker is on the idle stack");
            assertEquals(1, beforePark.get(), "the hook ran before parking");
            assertEquals(0, afterWake.get());

            assertTrue(queue.offer("hello"));
            Waits.join(worker);
            assertEquals("hello", taken.get());
            assertEquals(1, beforePark.get());
            assertEquals(1, afterWake.get(), "the hook ran once after waking");
        });
    }

    @Test
    void shouldNotRunHooksWhenAnItemIsAlreadyThere() throws InterruptedException {
        WorkQueue<String> queue = new WorkQueue<>(8, Runnable::run, null);
        AtomicInteger hooks = new AtomicInteger();
        Runnable hook = hooks::incrementAndGet;
        assertTrue(queue.offer("x"));
        assertEquals("x", queue.take(hook, hook));
        assertEquals(0, hooks.get());
    }

    /** An item that makes its worker block until released, or just records who took it. */
    private static final class Job {
        final boolean slow;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Thread takenBy;

        Job(boolean slow) {
            this.slow = slow;
        }
    }

    private static Thread jobWorker(WorkQueue<Job> queue, String name) {
        Thread thread = new Thread(() -> {
            try {
                Job job;
                while ((job = queue.take()) != null) {
                    job.takenBy = Thread.currentThread();
                    job.started.countDown();
                    if (job.slow) {
                        job.release.await(30, TimeUnit.SECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldGiveANewItemToTheIdleWorkerWhileTheOtherIsStuck(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            WorkQueue<Job> queue = newQueue(backing, 8, Runnable::run, null);
            Thread a = jobWorker(queue, "worker-a");
            Thread b = jobWorker(queue, "worker-b");
            Waits.untilParked(a);
            Waits.untilParked(b);

            Job slow = new Job(true);
            assertTrue(queue.offer(slow));
            assertTrue(slow.started.await(10, TimeUnit.SECONDS));
            Thread stuck = slow.takenBy;
            Thread other = stuck == a ? b : a;
            Waits.untilParked(other);

            Job quick = new Job(false);
            assertTrue(queue.offer(quick));
            assertTrue(quick.started.await(10, TimeUnit.SECONDS),
                    "the idle worker must take the item while the other is stuck");
            assertSame(other, quick.takenBy);
            assertEquals(1, slow.release.getCount(), "the slow item is still running");

            slow.release.countDown();
            queue.close();
            Waits.join(a);
            Waits.join(b);
        });
    }

    /**
     * Back-to-back offers while both workers sleep, many times over: whichever worker wakes
     * first and gets the slow item, the quick one must still be taken by the other. This
     * exercises the races between the producer's wake-up, a worker re-arming, and pass-on.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldNeverLeaveAnItemBehindABusyWorkerWhenAnotherIsIdle(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            WorkQueue<Job> queue = newQueue(backing, 8, Runnable::run, null);
            Thread a = jobWorker(queue, "worker-a");
            Thread b = jobWorker(queue, "worker-b");
            for (int round = 0; round < 300; round++) {
                Job slow = new Job(true);
                Job quick = new Job(false);
                assertTrue(queue.offer(slow));
                assertTrue(queue.offer(quick));
                assertTrue(quick.started.await(10, TimeUnit.SECONDS),
                        "round " + round + ": quick item stranded behind the slow one");
                assertTrue(slow.started.await(10, TimeUnit.SECONDS),
                        "round " + round + ": slow item never taken");
                assertNotSame(slow.takenBy, quick.takenBy,
                        "round " + round + ": the stuck worker cannot have taken both");
                slow.release.countDown();
            }
            queue.close();
            Waits.join(a);
            Waits.join(b);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldReleaseParkedWorkersOnCloseAfterDrainingTheQueue(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            WorkQueue<String> queue = newQueue(backing, 8, Runnable::run, null);
            int n = 3;
            List<Thread> workers = new ArrayList<>();
            AtomicInteger nulls = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                Thread worker = new Thread(() -> {
                    try {
                        if (queue.take() == null) {
                            nulls.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "worker-" + i);
                worker.start();
                workers.add(worker);
            }
            for (Thread worker : workers) {
                Waits.untilParked(worker);
            }
            queue.close();
            for (Thread worker : workers) {
                Waits.join(worker);
            }
            assertEquals(n, nulls.get());
            assertFalse(queue.offer("late"), "offers are refused after close");

            // Items queued before close are still handed out, then take() returns null.
            WorkQueue<String> other = newQueue(backing, 8, Runnable::run, null);
            assertTrue(other.offer("x"));
            assertTrue(other.offer("y"));
            other.close();
            assertEquals("x", other.take());
            assertEquals("y", other.take());
            assertNull(other.take());
        });
    }

    @Test
    void shouldThrowWhenInterruptedWhileParkedAndRunTheWakeHook() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            WorkQueue<String> queue = new WorkQueue<>(8, Runnable::run, null);
            AtomicInteger afterWake = new AtomicInteger();
            Runnable after = afterWake::incrementAndGet;
            AtomicBoolean interrupted = new AtomicBoolean();
            Thread worker = new Thread(() -> {
                try {
                    queue.take(() -> { }, after);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
            }, "worker");
            worker.start();
            Waits.untilParked(worker);
            worker.interrupt();
            Waits.join(worker);
            assertTrue(interrupted.get());
            assertEquals(1, afterWake.get());
            // The queue still works for others.
            assertTrue(queue.offer("z"));
            assertEquals("z", queue.poll());
        });
    }

    /**
     * One producer, several workers, a small queue so offers are refused often: every item comes
     * out exactly once, and the producer, which pauses on refusal and resumes only from the
     * callback, never gets stuck.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldDeliverEveryItemExactlyOnceToManyWorkers(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            int items = 200_000;
            int workers = 3;
            LoopExecutor reactor = new LoopExecutor();
            AtomicBoolean spaceSignalled = new AtomicBoolean();
            WorkQueue<Integer> queue = newQueue(backing, 16, reactor, () -> spaceSignalled.set(true));
            AtomicIntegerArray seen = new AtomicIntegerArray(items);
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Thread t = new Thread(() -> {
                    try {
                        Integer item;
                        while ((item = queue.take()) != null) {
                            seen.incrementAndGet(item);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "worker-" + w);
                t.start();
                threads.add(t);
            }
            IntFunction<Integer> box = Integer::valueOf;
            int refusals = 0;
            for (int i = 0; i < items; i++) {
                Integer item = box.apply(i);
                while (!queue.offer(item)) {
                    refusals++;
                    // Paused: only the callback (run on this "reactor" thread) resumes us.
                    long deadline = System.nanoTime() + Waits.TIMEOUT.toNanos();
                    while (!spaceSignalled.getAndSet(false)) {
                        assertTrue(System.nanoTime() - deadline < 0, "no space callback");
                        reactor.runOnce(100);
                    }
                }
            }
            queue.close();
            for (Thread t : threads) {
                Waits.join(t);
            }
            for (int i = 0; i < items; i++) {
                assertEquals(1, seen.get(i), "item " + i);
            }
            System.out.println(backing + ": refusals=" + refusals
                    + " callbacks=" + reactor.executeCount());
        });
    }

    @Test
    void shouldNotAllocatePerItemOnTheFastPath() {
        WorkQueue<Object> queue = new WorkQueue<>(64, Runnable::run, () -> { });
        Object item = new Object();
        for (int i = 0; i < 200_000; i++) { // warm-up, including refusals
            queue.offer(item);
            queue.offer(item);
            queue.poll();
            queue.poll();
        }
        long allocated = Allocation.bytesAllocatedBy(() -> {
            for (int i = 0; i < 100_000; i++) {
                queue.offer(item);
                queue.poll();
            }
        });
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 100k items");
    }
}
