package org.yimmo.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole round trip as the server will use it: a reactor loop offers requests to the workers,
 * pausing on refusal until the space callback, and receives responses through the inbox, with
 * queues small enough that both back-pressure paths (refused offer, blocked put) run constantly.
 */
class HandOffPipelineTest {

    @ParameterizedTest
    @ValueSource(strings = {"jctools", "abq"})
    void shouldRoundTripEveryRequestExactlyOnceUnderBackPressure(String backing) {
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            int requests = 100_000;
            int workers = 3;
            LoopExecutor reactor = new LoopExecutor();
            boolean[] paused = new boolean[1];      // reactor thread only
            int[] responses = new int[requests];    // reactor thread only
            int[] received = new int[1];            // reactor thread only
            Runnable resume = () -> paused[0] = false;
            WorkQueue<Integer> work;
            ReactorInbox<Integer> inbox;
            if (backing.equals("abq")) {
                work = WorkQueue.withQueue(new ArrayBlockingQueue<>(4), 4, reactor, resume);
                inbox = ReactorInbox.withQueue(new ArrayBlockingQueue<>(4), 4, 3, reactor, r -> {
                    responses[r]++;
                    received[0]++;
                });
            } else {
                work = new WorkQueue<>(4, reactor, resume);
                inbox = new ReactorInbox<>(4, 3, reactor, r -> {
                    responses[r]++;
                    received[0]++;
                });
            }
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Thread t = new Thread(() -> {
                    try {
                        Integer request;
                        while ((request = work.take()) != null) {
                            if (!inbox.put(request)) {
                                return;
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "worker-" + w);
                t.start();
                threads.add(t);
            }

            int sent = 0;
            int pauses = 0;
            int stalls = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received[0] < requests) {
                assertTrue(System.nanoTime() - deadline < 0,
                        "stuck: sent=" + sent + " received=" + received[0] + " paused=" + paused[0]);
                while (!paused[0] && sent < requests) {
                    if (work.offer(sent)) {
                        sent++;
                    } else {
                        paused[0] = true;
                        pauses++;
                    }
                }
                // Bounded park; every event we wait for (a drain, the space callback) comes
                // through execute(), which unparks us, so a long idle park means a lost wake-up.
                long start = System.nanoTime();
                if (reactor.runOnce(2_000) == 0 && System.nanoTime() - start > 1_900_000_000L
                        && received[0] < requests) {
                    stalls++;
                }
            }
            assertEquals(0, stalls, "reactor waited 2 s for nothing: a lost wake-up");
            work.close();
            inbox.close();
            for (Thread t : threads) {
                Waits.join(t);
            }
            for (int i = 0; i < requests; i++) {
                assertEquals(1, responses[i], "request " + i);
            }
            System.out.println(backing + ": pauses=" + pauses + " executes=" + reactor.executeCount());
        });
    }
}
