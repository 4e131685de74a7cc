package org.yimmo.reactor.kqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;

/**
 * What is particular to kqueue, single-stepped on the test thread: EV_EOF with bytes still
 * buffered, one-shot write interest, interest changes made in one turn applied in order, changes
 * of a closed descriptor never reaching its successor, and both kinds of wake-up.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KqueueReactorTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private KqueueReactor reactor() throws IOException {
        KqueueReactor reactor = (KqueueReactor) new KqueueReactorProvider().create(ReactorOptions.defaults());
        resources.add(reactor);
        return reactor;
    }

    private Socket client(KqueueReactor reactor, ProtocolFactory protocol) throws IOException {
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), protocol);
        Socket socket = new Socket();
        resources.add(0, socket);
        socket.connect((InetSocketAddress) listener.localAddress());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void turnUntil(Reactor reactor, BooleanSupplier done) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            reactor.runOnce(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** Events handled in {@code turns} turns that do not wait. */
    private static int handledIn(Reactor reactor, int turns) throws IOException {
        int handled = 0;
        for (int i = 0; i < turns; i++) {
            handled += reactor.runOnce(0);
        }
        return handled;
    }

    @Test
    void shouldDeliverTheBytesBeforeEndOfStreamAndLetTheHandlerAnswer() throws Exception {
        KqueueReactor reactor = reactor();
        StringBuilder received = new StringBuilder();
        AtomicInteger endOfStream = new AtomicInteger();
        Socket socket = client(reactor, c -> new ConnectionHandler() {
            final ByteBuffer buffer = ByteBuffer.allocateDirect(4);

            @Override
            public void onReadable(Connection connection) throws IOException {
                int n = connection.read(buffer.clear()); // small buffer: EV_EOF arrives with bytes left
                if (n > 0) {
                    received.append(StandardCharsets.US_ASCII.decode(buffer.flip()));
                } else if (n < 0) {
                    endOfStream.incrementAndGet();
                    connection.write(ByteBuffer.wrap(("got " + received).getBytes(StandardCharsets.US_ASCII)));
                    connection.close();
                }
            }
        });
        socket.getOutputStream().write("hello, kqueue".getBytes(StandardCharsets.US_ASCII));
        socket.shutdownOutput();
        turnUntil(reactor, () -> endOfStream.get() > 0);
        assertEquals("hello, kqueue", received.toString());
        assertArrayEquals("got hello, kqueue".getBytes(StandardCharsets.US_ASCII), socket.getInputStream().readAllBytes());
        assertEquals(0, handledIn(reactor, 5));
        assertEquals(1, endOfStream.get());
    }

    @Test
    void shouldCallOnWritableOncePerRequest() throws Exception {
        KqueueReactor reactor = reactor();
        AtomicInteger writable = new AtomicInteger();
        Connection[] opened = new Connection[1];
        client(reactor, c -> new ConnectionHandler() {
            @Override
            public void onOpen(Connection connection) {
                opened[0] = connection;
                connection.requestWritable();
                connection.requestWritable(); // asking twice before the event is still one event
            }

            @Override
            public void onReadable(Connection connection) {
            }

            @Override
            public void onWritable(Connection connection) {
                writable.incrementAndGet();
            }
        });
        turnUntil(reactor, () -> writable.get() == 1);
        assertEquals(0, handledIn(reactor, 5), "a one-shot write interest fires once");
        assertEquals(1, writable.get());
        opened[0].requestWritable();
        turnUntil(reactor, () -> writable.get() == 2);
        assertEquals(0, handledIn(reactor, 5));
    }

    @Test
    void shouldApplyInterestChangesOfOneTurnInOrder() throws Exception {
        KqueueReactor reactor = reactor();
        AtomicInteger reads = new AtomicInteger();
        Connection[] opened = new Connection[1];
        Socket socket = client(reactor, c -> new ConnectionHandler() {
            @Override
            public void onOpen(Connection connection) {
                opened[0] = connection;
            }

            @Override
            public void onReadable(Connection connection) throws IOException {
                int n = reads.incrementAndGet();
                connection.read(ByteBuffer.allocate(1)); // leaves the rest buffered
                if (n == 1) {
                    connection.pauseReading();
                    connection.resumeReading(); // the last word: reading
                } else {
                    connection.pauseReading();
                }
            }
        });
        socket.getOutputStream().write(new byte[] {1, 2, 3});
        turnUntil(reactor, () -> reads.get() == 2);
        assertEquals(0, handledIn(reactor, 5), "paused, although a byte is waiting");
        assertEquals(2, reads.get());
        opened[0].resumeReading();
        turnUntil(reactor, () -> reads.get() == 3);
    }

    @Test
    void shouldNotApplyTheQueuedChangesOfAClosedConnectionToTheNextOneOnItsNumber() throws Exception {
        KqueueReactor reactor = reactor();
        AtomicInteger echoed = new AtomicInteger();
        AtomicInteger opened = new AtomicInteger();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            @Override
            public void onOpen(Connection connection) {
                if (opened.getAndIncrement() == 0) {
                    // Queued, then closed in the same turn: the number is free for the next accept.
                    connection.pauseReading();
                    connection.requestWritable();
                    connection.close();
                }
            }

            @Override
            public void onReadable(Connection connection) throws IOException {
                ByteBuffer buffer = ByteBuffer.allocate(16);
                if (connection.read(buffer) > 0) {
                    connection.write(buffer.flip());
                    echoed.incrementAndGet();
                }
            }

            @Override
            public void onWritable(Connection connection) {
                throw new AssertionError("the closed connection's write request reached its successor");
            }
        });
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        // Both wait in the backlog and are accepted in one turn: the second gets the first's number.
        try (Socket first = new Socket(); Socket second = new Socket()) {
            first.connect(address);
            second.connect(address);
            second.setSoTimeout(10_000);
            turnUntil(reactor, () -> opened.get() == 2);
            second.getOutputStream().write(7);
            turnUntil(reactor, () -> echoed.get() == 1);
            assertEquals(7, second.getInputStream().read());
        }
    }

    @Test
    void shouldFlushAFullChangelistEarlyWithoutLosingAnEvent() throws Exception {
        KqueueReactor reactor = reactor();
        reactor.runOnce(0); // the test thread is the reactor thread: connects register at once
        int count = KqueueReactor.MAX_EVENTS + 100;
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), count + 10);
            AtomicInteger open = new AtomicInteger();
            for (int i = 0; i < count; i++) {
                reactor.connect(server.getLocalAddress(), new ConnectionHandler() {
                    @Override
                    public void onOpen(Connection connection) {
                        open.incrementAndGet();
                    }

                    @Override
                    public void onReadable(Connection connection) {
                    }
                });
            }
            assertTrue(reactor.pendingChanges() < count, "the changelist was flushed early");
            // Each connect waits for its one-shot write event: none may be lost to the flush.
            turnUntil(reactor, () -> open.get() == count);
        }
    }

    @Test
    void shouldWakeASleepingLoopWithTheUserEvent() throws Exception {
        KqueueReactor reactor = reactor();
        assertTrue(!reactor.usesWakePipe());
        assertWakesUp(reactor);
    }

    @Test
    void shouldWakeASleepingLoopThroughAPipeWhereTheUserEventIsMissing() throws Exception {
        KqueueReactor reactor;
        System.setProperty(KqueueReactor.WAKEUP_PROPERTY, "pipe");
        try {
            reactor = reactor();
        } finally {
            System.clearProperty(KqueueReactor.WAKEUP_PROPERTY);
        }
        assertTrue(reactor.usesWakePipe());
        assertWakesUp(reactor);
    }

    /** Single-stepped: the turn must sleep (no deadline, nothing to do) until the task comes. */
    private static void assertWakesUp(KqueueReactor reactor) throws Exception {
        reactor.runOnce(0);
        for (int round = 0; round < 5; round++) {
            CountDownLatch ran = new CountDownLatch(1);
            Thread producer = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                reactor.execute(ran::countDown);
            });
            long start = System.nanoTime();
            producer.start();
            while (ran.getCount() > 0) {
                reactor.runOnce(Long.MAX_VALUE); // a lost wake-up hangs here: the timeout fails the test
            }
            long slept = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            producer.join();
            assertTrue(slept >= 80, "round " + round + ": back after " + slept + " ms, so it never slept");
            assertEquals(round + 1, reactor.wakeups(), "one wake-up per sleep");
        }
    }
}
