package org.yimmo.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yimmo.core.testing.Allocation;

class ReactorInboxTest {

    private static final Duration TEST_TIMEOUT = Duration.ofSeconds(60);

    private static <T> ReactorInbox<T> newInbox(String backing, int capacity, int batch,
            Executor reactor, Consumer<? super T> sink) {
        if (backing.equals("abq")) {
            return ReactorInbox.withQueue(new ArrayBlockingQueue<>(capacity), capacity, batch,
                    reactor, sink);
        }
        return new ReactorInbox<>(capacity, batch, reactor, sink);
    }

    /** A response: which producer sent it and its sequence number there. */
    private record Msg(int producer, int seq) { }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldDeliverEveryItemFromManyProducersInPerProducerOrder(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            int producers = 4;
            int perProducer = 50_000;
            ExecutorService reactorService = Executors.newSingleThreadExecutor(
                    r -> new Thread(r, "reactor"));
            try {
                int[] next = new int[producers]; // touched on the reactor thread only
                AtomicReference<String> failure = new AtomicReference<>();
                CountDownLatch all = new CountDownLatch(producers * perProducer);
                // Small capacity and batch: puts block often and drains reschedule.
                ReactorInbox<Msg> inbox = newInbox(backing, 16, 8, reactorService, msg -> {
                    if (!Thread.currentThread().getName().equals("reactor")) {
                        failure.compareAndSet(null, "sink ran on " + Thread.currentThread());
                    }
                    if (msg.seq() != next[msg.producer()]) {
                        failure.compareAndSet(null, "producer " + msg.producer() + ": got "
                                + msg.seq() + ", expected " + next[msg.producer()]);
                    }
                    next[msg.producer()] = msg.seq() + 1;
                    all.countDown();
                });
                List<Thread> threads = new ArrayList<>();
                for (int p = 0; p < producers; p++) {
                    int producer = p;
                    Thread t = new Thread(() -> {
                        try {
                            for (int i = 0; i < perProducer; i++) {
                                Msg msg = new Msg(producer, i);
                                // Mix the non-blocking and the blocking path.
                                if ((i & 1) == 0 || !inbox.offer(msg)) {
                                    assertTrue(inbox.put(msg));
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, "producer-" + p);
                    t.start();
                    threads.add(t);
                }
                for (Thread t : threads) {
                    Waits.join(t);
                }
                assertTrue(all.await(Waits.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                        "missing items: " + all.getCount());
                assertNull(failure.get());
                // No duplicates: each producer's counter ends exactly at perProducer.
                CountDownLatch read = new CountDownLatch(1);
                int[] finalNext = new int[producers];
                reactorService.execute(() -> {
                    System.arraycopy(next, 0, finalNext, 0, producers);
                    read.countDown();
                });
                assertTrue(read.await(10, TimeUnit.SECONDS));
                for (int p = 0; p < producers; p++) {
                    assertEquals(perProducer, finalNext[p]);
                }
                assertEquals(0, inbox.size());
            } finally {
                reactorService.shutdownNow();
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldCoalesceABurstOfOffersIntoOneExecute(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            ManualExecutor reactor = new ManualExecutor();
            AtomicInteger received = new AtomicInteger();
            ReactorInbox<Integer> inbox = newInbox(backing, 4096, 1024, reactor,
                    item -> received.incrementAndGet());
            // A burst from four threads at once, while the reactor is busy elsewhere.
            int threads = 4;
            int each = 250;
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < threads; p++) {
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < each; i++) {
                            assertTrue(inbox.offer(i));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                t.start();
                producers.add(t);
            }
            start.countDown();
            for (Thread t : producers) {
                Waits.join(t);
            }
            assertEquals(1, reactor.executeCount(), "1000 offers, one execute()");
            assertEquals(1, reactor.runAll());
            assertEquals(threads * each, received.get());

            // The next burst, after the drain, costs one more.
            for (int i = 0; i < 100; i++) {
                assertTrue(inbox.offer(i));
            }
            assertEquals(2, reactor.executeCount());
            reactor.runAll();
            assertEquals(threads * each + 100, received.get());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldRescheduleAfterABatchInsteadOfDrainingEverything(String backing) {
        ManualExecutor reactor = new ManualExecutor();
        List<Integer> received = new ArrayList<>();
        ReactorInbox<Integer> inbox = newInbox(backing, 64, 10, reactor, received::add);
        for (int i = 0; i < 25; i++) {
            assertTrue(inbox.offer(i));
        }
        assertEquals(1, reactor.executeCount());
        assertTrue(reactor.runOne());
        assertEquals(10, received.size(), "one run handles one batch");
        assertEquals(2, reactor.executeCount(), "and submits itself again");
        assertTrue(reactor.runOne());
        assertEquals(20, received.size());
        assertEquals(3, reactor.executeCount());
        assertTrue(reactor.runOne());
        assertEquals(25, received.size());
        assertEquals(3, reactor.executeCount(), "nothing left: no new submission");
        assertFalse(reactor.runOne());
        for (int i = 0; i < 25; i++) {
            assertEquals(i, received.get(i));
        }
    }

    /** A sink that keeps feeding the inbox: a drain that looped until empty would never end. */
    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldYieldTheReactorWhenItemsKeepArriving(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            ManualExecutor reactor = new ManualExecutor();
            AtomicInteger received = new AtomicInteger();
            AtomicReference<ReactorInbox<Integer>> self = new AtomicReference<>();
            ReactorInbox<Integer> inbox = newInbox(backing, 64, 10, reactor, item -> {
                received.incrementAndGet();
                self.get().offer(item + 1);
            });
            self.set(inbox);
            assertTrue(inbox.offer(0));
            assertTrue(reactor.runOne());
            assertEquals(10, received.get());
            assertEquals(1, reactor.pending(), "the drain re-submitted itself");
            assertTrue(reactor.runOne());
            assertEquals(20, received.get());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldBlockPutWhileFullAndProceedAfterADrain(String backing) {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            ManualExecutor reactor = new ManualExecutor();
            List<String> received = new ArrayList<>();
            ReactorInbox<String> inbox = newInbox(backing, 2, 1024, reactor, received::add);
            assertTrue(inbox.offer("a"));
            assertTrue(inbox.offer("b"));
            assertFalse(inbox.offer("c"), "full");

            AtomicInteger beforePark = new AtomicInteger();
            AtomicInteger afterWake = new AtomicInteger();
            Runnable before = beforePark::incrementAndGet;
            Runnable after = afterWake::incrementAndGet;
            AtomicBoolean putResult = new AtomicBoolean();
            Thread worker = new Thread(() -> {
                try {
                    putResult.set(inbox.put("c", before, after));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "worker");
            worker.start();
            Waits.untilParked(worker);
            assertTrue(inbox.hasBlockedProducers());
            assertEquals(1, beforePark.get());
            assertTrue(worker.isAlive(), "put waits while the inbox is full");

            assertTrue(reactor.runOne(), "the drain of a and b");
            Waits.join(worker);
            assertTrue(putResult.get());
            assertEquals(1, afterWake.get());
            assertEquals(List.of("a", "b"), received);
            reactor.runAll();
            assertEquals(List.of("a", "b", "c"), received);
        });
    }

    @Test
    void shouldReleaseBlockedPutOnClose() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            ManualExecutor reactor = new ManualExecutor();
            ReactorInbox<String> inbox = new ReactorInbox<>(2, reactor, item -> { });
            assertTrue(inbox.offer("a"));
            assertTrue(inbox.offer("b"));
            AtomicReference<Boolean> putResult = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    putResult.set(inbox.put("c"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "worker");
            worker.start();
            Waits.untilParked(worker);
            inbox.close();
            Waits.join(worker);
            assertEquals(Boolean.FALSE, putResult.get());
            assertFalse(inbox.offer("d"));
            assertEquals(1, reactor.runAll(), "queued items are still drained after close");
        });
    }

    @Test
    void shouldThrowWhenInterruptedInPut() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            ReactorInbox<String> inbox = new ReactorInbox<>(2, new ManualExecutor(), item -> { });
            assertTrue(inbox.offer("a"));
            assertTrue(inbox.offer("b"));
            AtomicBoolean interrupted = new AtomicBoolean();
            Thread worker = new Thread(() -> {
                try {
                    inbox.put("c");
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
            }, "worker");
            worker.start();
            Waits.untilParked(worker);
            worker.interrupt();
            Waits.join(worker);
            assertTrue(interrupted.get());
            assertEquals(2, inbox.size(), "the item was not enqueued");
        });
    }

    @Test
    void shouldRescheduleWhenTheSinkThrows() {
        ManualExecutor reactor = new ManualExecutor();
        List<Integer> received = new ArrayList<>();
        ReactorInbox<Integer> inbox = new ReactorInbox<>(16, reactor, item -> {
            if (item == 2) {
                throw new IllegalStateException("boom");
            }
            received.add(item);
        });
        for (int i = 0; i < 5; i++) {
            assertTrue(inbox.offer(i));
        }
        assertThrows(IllegalStateException.class, reactor::runOne);
        assertEquals(List.of(0, 1), received);
        assertEquals(1, reactor.pending(), "the rest is not stranded");
        reactor.runAll();
        assertEquals(List.of(0, 1, 3, 4), received);
    }

    @Test
    void shouldNotAllocatePerItem() {
        // An executor that runs the drain inline, without allocating.
        AtomicInteger received = new AtomicInteger();
        Runnable[] pending = new Runnable[1];
        Executor inline = task -> pending[0] = task;
        ReactorInbox<Object> inbox = new ReactorInbox<>(64, 16, inline, item -> received.incrementAndGet());
        Object item = new Object();
        for (int i = 0; i < 200_000; i++) {
            inbox.offer(item);
            inbox.offer(item);
            Runnable task = pending[0];
            pending[0] = null;
            task.run();
        }
        long allocated = Allocation.bytesAllocatedBy(() -> {
            for (int i = 0; i < 100_000; i++) {
                inbox.offer(item);
                Runnable task = pending[0];
                pending[0] = null;
                task.run();
            }
        });
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 100k items");
        assertEquals(500_000, received.get());
    }
}
