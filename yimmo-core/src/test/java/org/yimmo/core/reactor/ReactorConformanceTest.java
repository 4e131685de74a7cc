package org.yimmo.core.reactor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.EchoHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.testing.OnLoop;

/**
 * The behaviour every reactor backend must show. A backend module runs all of it by extending
 * this class and supplying its provider (see SelectReactorConformanceTest).
 *
 * <p>Tests that need determinism drive the loop one turn at a time on the test thread; the
 * others run it on its own thread and wait on latches and futures, never on sleeps.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class ReactorConformanceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<Reactor> reactors = new ArrayList<>();
    private final List<Thread> loops = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    /** The backend under test. */
    protected abstract ReactorProvider provider();

    protected Reactor newReactor(ReactorOptions options) throws IOException {
        Reactor reactor = provider().create(options);
        reactors.add(reactor);
        return reactor;
    }

    private Reactor startedReactor() throws IOException {
        Reactor reactor = newReactor(ReactorOptions.defaults());
        loops.add(reactor.start("reactor-under-test"));
        return reactor;
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Process child : children) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        reactors.forEach(Reactor::close);
        for (Thread loop : loops) {
            loop.join(WAIT.toMillis());
            assertFalse(loop.isAlive(), "reactor thread did not stop after close()");
        }
    }

    private static InetSocketAddress tcpAddress(Listener listener) {
        return (InetSocketAddress) listener.localAddress();
    }

    private static Socket client(Listener listener) throws IOException {
        Socket socket = new Socket();
        socket.connect(tcpAddress(listener), (int) WAIT.toMillis());
        socket.setSoTimeout((int) WAIT.toMillis());
        return socket;
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] data = in.readNBytes(n);
        assertEquals(n, data.length, "stream ended early");
        return data;
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        assertTrue(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "timed out waiting");
    }

    /** Runs {@code task} on the reactor thread and returns its result. */
    private static <T> T onLoop(Reactor reactor, java.util.concurrent.Callable<T> task) throws Exception {
        return OnLoop.call(reactor, task, WAIT);
    }

    @Test
    void shouldEchoOverAThousandConcurrentConnections() throws Exception {
        Reactor reactor = startedReactor();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new EchoHandler());
        int count = 1000;
        List<Socket> sockets = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(client(listener));
            }
            // All connections are open at once; every one sends before any reads.
            for (int i = 0; i < count; i++) {
                sockets.get(i).getOutputStream().write(message(i));
            }
            for (int i = 0; i < count; i++) {
                byte[] expected = message(i);
                assertArrayEquals(expected, readFully(sockets.get(i).getInputStream(), expected.length), "echo " + i);
            }
            // A thousand open but idle connections hold no read buffer between them.
            assertEquals(0, onLoop(reactor, reactor.buffers()::inUse));
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        awaitOnLoop(reactor, () -> reactor.buffers().inUse() == 0);
    }

    private static byte[] message(int i) {
        byte[] data = new byte[100 + (i % 900)];
        new Random(i).nextBytes(data);
        return data;
    }

    /** Polls a condition on the reactor thread until it holds; each poll is a reactor turn. */
    private static void awaitOnLoop(Reactor reactor, java.util.function.BooleanSupplier condition) throws Exception {
        OnLoop.await(reactor, condition, WAIT);
    }

    @Test
    void shouldCompleteGatheringWritesLargerThanTheSocketBufferThroughWritableEvents() throws Exception {
        Reactor reactor = startedReactor();
        int total = 32 * 1024 * 1024;
        CountDownLatch firstPartialWrite = new CountDownLatch(1);
        AtomicInteger writableEvents = new AtomicInteger();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            final ByteBuffer[] payload = slices(pattern(total), 4);

            @Override
            public void onOpen(Connection connection) throws IOException {
                onWritable(connection);
            }

            @Override
            public void onReadable(Connection connection) {
            }

            @Override
            public void onWritable(Connection connection) throws IOException {
                if (firstPartialWrite.getCount() == 0) {
                    writableEvents.incrementAndGet();
                }
                connection.write(payload, 0, payload.length);
                if (payload[payload.length - 1].hasRemaining()) {
                    firstPartialWrite.countDown();
                    connection.requestWritable();
                } else {
                    connection.close();
                }
            }
        });
        try (Socket socket = client(listener)) {
            await(firstPartialWrite);
            byte[] received = socket.getInputStream().readAllBytes();
            assertEquals(total, received.length);
            assertEquals(pattern(total), ByteBuffer.wrap(received));
        }
        assertTrue(writableEvents.get() > 0, "the rest of the payload should have gone out on writable events");
    }

    /** {@code count} consecutive slices of {@code whole}, for a gathering write. */
    private static ByteBuffer[] slices(ByteBuffer whole, int count) {
        ByteBuffer[] parts = new ByteBuffer[count];
        int size = whole.remaining() / count;
        for (int i = 0; i < count; i++) {
            parts[i] = whole.slice(i * size, i == count - 1 ? whole.remaining() - i * size : size);
        }
        return parts;
    }

    private static ByteBuffer pattern(int size) {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            buffer.put((byte) (i * 31 + (i >>> 13)));
        }
        return buffer.flip();
    }

    @Test
    void shouldLetTheHandlerAnswerAfterThePeerHalfCloses() throws Exception {
        Reactor reactor = startedReactor();
        AtomicInteger readsAfterEnd = new AtomicInteger();
        CompletableFuture<Boolean> inputShutdownSeen = new CompletableFuture<>();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            int received;
            boolean ended;

            @Override
            public void onReadable(Connection connection) throws IOException {
                if (ended) {
                    readsAfterEnd.incrementAndGet();
                }
                ByteBuffer buffer = ByteBuffer.allocate(1024);
                int n = connection.read(buffer);
                if (n > 0) {
                    received += n;
                } else if (n < 0) {
                    ended = true;
                    inputShutdownSeen.complete(connection.isInputShutdown());
                    connection.write(ByteBuffer.wrap(("got " + received).getBytes(StandardCharsets.US_ASCII)));
                    // Leave the connection open a while: a level-triggered EOF must not spin.
                    reactor.timers().schedule(reactor.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50),
                            (id, now) -> connection.close());
                }
            }
        });
        try (Socket socket = client(listener)) {
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertEquals("got 5", new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
        assertTrue(await(inputShutdownSeen));
        assertEquals(0, readsAfterEnd.get(), "end of stream must be announced once");
    }

    @Test
    void shouldStopReportingReadinessOnceEndOfStreamWasRead() throws Exception {
        Reactor reactor = newReactor(ReactorOptions.defaults());
        AtomicInteger ends = new AtomicInteger();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> connection -> {
            while (connection.read(ByteBuffer.allocate(64)) > 0) {
                // drain
            }
            if (connection.isInputShutdown()) {
                ends.incrementAndGet();
            }
        });
        try (Socket socket = client(listener)) {
            socket.getOutputStream().write(new byte[10]);
            socket.shutdownOutput();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ends.get() == 0) {
                reactor.runOnce(TimeUnit.MILLISECONDS.toNanos(100));
                assertTrue(System.nanoTime() < deadline, "end of stream never reached the handler");
            }
            // The connection stays open, yet a turn finds nothing to do: no busy loop on EOF.
            assertEquals(0, reactor.runOnce(0));
            assertEquals(0, reactor.runOnce(TimeUnit.MILLISECONDS.toNanos(20)));
            assertEquals(1, ends.get());
        }
    }

    @Test
    void shouldCloseWithTheCauseWhenThePeerResets() throws Exception {
        Reactor reactor = startedReactor();
        CompletableFuture<Throwable> closeCause = new CompletableFuture<>();
        AtomicInteger closes = new AtomicInteger();
        CountDownLatch dataRead = new CountDownLatch(1);
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            @Override
            public void onReadable(Connection connection) throws IOException {
                int n = connection.read(ByteBuffer.allocate(1024));
                if (n > 0) {
                    dataRead.countDown();
                } else if (n < 0) {
                    connection.close();
                }
            }

            @Override
            public void onClosed(Connection connection, Throwable cause) {
                closes.incrementAndGet();
                closeCause.complete(cause);
            }
        });
        Socket socket = client(listener);
        socket.getOutputStream().write(1);
        await(dataRead);
        socket.setSoLinger(true, 0);
        socket.close();
        Throwable cause = await(closeCause);
        assertInstanceOf(IOException.class, cause, "a reset is an error, not an orderly end");
        assertEquals(1, onLoop(reactor, closes::get), "closed exactly once");
        // The reactor goes on serving other connections after a reset.
        try (Socket another = client(listener)) {
            another.getOutputStream().write(2);
            another.shutdownOutput();
            assertEquals(-1, another.getInputStream().read());
        }
        awaitOnLoop(reactor, () -> closes.get() == 2);
    }

    @Test
    void shouldReportACloseMadeInsideACallbackOnceAndAfterTheCallback() throws Exception {
        Reactor reactor = startedReactor();
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch closed = new CountDownLatch(1);
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            @Override
            public void onReadable(Connection connection) throws IOException {
                events.add("readable");
                connection.read(ByteBuffer.allocate(16));
                connection.close();
                connection.close();
                events.add("open=" + connection.isOpen());
            }

            @Override
            public void onWritable(Connection connection) {
                events.add("writable");
            }

            @Override
            public void onClosed(Connection connection, Throwable cause) {
                events.add("closed cause=" + cause);
                closed.countDown();
            }
        });
        try (Socket socket = client(listener)) {
            socket.getOutputStream().write(new byte[64]);
            assertEquals(-1, socket.getInputStream().read(), "peer sees end of stream");
        }
        await(closed);
        onLoop(reactor, () -> null);
        assertEquals(List.of("readable", "open=false", "closed cause=null"), events);
    }

    @Test
    void shouldRunTasksFromSeveralThreadsWithoutLossOrReorderingPerProducer() throws Exception {
        Reactor reactor = startedReactor();
        int producers = 4;
        int perProducer = 50_000;
        int[] lastSeen = new int[producers];
        java.util.Arrays.fill(lastSeen, -1);
        AtomicInteger outOfOrder = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(producers * perProducer);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads.add(new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    int seq = i;
                    reactor.execute(() -> {
                        // Runs on the reactor thread only, so plain array access is safe.
                        if (lastSeen[producer] != seq - 1) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeen[producer] = seq;
                        done.countDown();
                    });
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
        }
        await(done);
        assertEquals(0, outOfOrder.get());
        int[] expected = new int[producers];
        java.util.Arrays.fill(expected, perProducer - 1);
        assertArrayEquals(expected, onLoop(reactor, lastSeen::clone));
    }

    @Test
    void shouldFireTimersInDeadlineOrderAndNeverFireCancelledOnesUnderAFakeClock() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Reactor reactor = newReactor(ReactorOptions.defaults().withClock(now::get));
        long tick = ReactorOptions.defaults().timerTickNanos();
        List<Long> fired = new ArrayList<>();
        List<Long> deadlines = new ArrayList<>();
        List<Long> cancelled = new ArrayList<>();
        Random random = new Random(42);
        reactor.runOnce(0);
        for (int i = 0; i < 200; i++) {
            // Distinct ticks, so the order is defined; spread over several wheel rotations.
            long deadline = now.get() + (1 + random.nextInt(5_000)) * tick + tick / 2;
            if (deadlines.contains(deadline)) {
                continue;
            }
            long id = reactor.timers().schedule(deadline, (timerId, at) -> {
                assertTrue(at >= deadline, "fired before its deadline");
                fired.add(deadline);
            });
            if (i % 5 == 0) {
                assertTrue(reactor.timers().cancel(id));
                cancelled.add(deadline);
            } else {
                deadlines.add(deadline);
            }
        }
        while (fired.size() < deadlines.size()) {
            now.addAndGet(tick);
            reactor.runOnce(0);
            assertTrue(now.get() < 1_000_000_000L + 6_000 * tick, "timers did not all fire");
        }
        List<Long> sorted = new ArrayList<>(deadlines);
        Collections.sort(sorted);
        assertEquals(sorted, fired);
        for (Long c : cancelled) {
            assertFalse(fired.contains(c), "cancelled timer fired");
        }
    }

    @Test
    void shouldGoOnFiringTimersWhenOneThrows() throws Exception {
        AtomicLong now = new AtomicLong(0);
        Reactor reactor = newReactor(ReactorOptions.defaults().withClock(now::get));
        long tick = ReactorOptions.defaults().timerTickNanos();
        reactor.runOnce(0);
        List<String> fired = new ArrayList<>();
        reactor.timers().schedule(tick, (id, at) -> fired.add("first"));
        reactor.timers().schedule(2 * tick, (id, at) -> {
            fired.add("throws");
            throw new IllegalStateException("timer task bug");
        });
        reactor.timers().schedule(3 * tick, (id, at) -> fired.add("third"));
        now.set(3 * tick);
        reactor.runOnce(0);
        assertEquals(List.of("first", "throws", "third"), fired);
        reactor.timers().schedule(4 * tick, (id, at) -> fired.add("later"));
        now.set(4 * tick);
        reactor.runOnce(0);
        assertEquals("later", fired.get(fired.size() - 1), "the loop survives a failing timer");
    }

    @Test
    void shouldSleepNoLongerThanTheNextTimer() throws Exception {
        Reactor reactor = newReactor(ReactorOptions.defaults());
        reactor.runOnce(0);
        AtomicInteger fired = new AtomicInteger();
        // Start the stopwatch before the deadline is computed: linking the lambda below can take
        // milliseconds, and a backend that wakes right at the deadline would then look early.
        long start = System.nanoTime();
        reactor.timers().schedule(reactor.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30), (id, at) -> fired.incrementAndGet());
        while (fired.get() == 0) {
            reactor.runOnce(Long.MAX_VALUE);
            assertTrue(System.nanoTime() - start < WAIT.toNanos(), "an unbounded wait ignored the timer");
        }
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(30), "timer fired early");
    }

    @Test
    void shouldSleepWhenIdleUntilATaskFromAnotherThreadWakesIt() throws Exception {
        Reactor reactor = newReactor(ReactorOptions.defaults());
        reactor.runOnce(0);
        CountDownLatch ran = new CountDownLatch(1);
        Thread producer = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            reactor.execute(ran::countDown);
        });
        long start = System.nanoTime();
        producer.start();
        int turns = 0;
        while (ran.getCount() > 0) {
            // Nothing is due: a lost wake-up blocks here until the class's timeout fails the test.
            reactor.runOnce(Long.MAX_VALUE);
            turns++;
            assertTrue(System.nanoTime() - start < WAIT.toNanos(), "the task never ran");
        }
        long slept = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        producer.join(WAIT.toMillis());
        assertTrue(slept >= 150, "an idle loop came back after " + slept + " ms with nothing to do: it does not sleep");
        assertTrue(turns <= 2, "an idle loop took " + turns + " turns to see one task");
        assertEquals(1, reactor.wakeups(), "the task woke the sleeping loop once");
    }

    @Test
    void shouldEchoOverIpv6AndKnowBothAddresses() throws Exception {
        Reactor reactor = startedReactor();
        CompletableFuture<SocketAddress[]> seen = new CompletableFuture<>();
        Listener listener = reactor.listen(ListenAddress.parse("[::1]:0").get(0), c -> new EchoHandler() {
            @Override
            public void onOpen(Connection connection) {
                seen.complete(new SocketAddress[] {connection.localAddress(), connection.remoteAddress()});
            }
        });
        InetSocketAddress bound = tcpAddress(listener);
        assertEquals(java.net.InetAddress.getByName("::1"), bound.getAddress());
        try (Socket socket = client(listener)) {
            byte[] message = message(11);
            socket.getOutputStream().write(message);
            assertArrayEquals(message, readFully(socket.getInputStream(), message.length));
            SocketAddress[] addresses = await(seen);
            assertEquals(socket.getRemoteSocketAddress(), addresses[0], "server side local address");
            assertEquals(socket.getLocalSocketAddress(), addresses[1], "server side remote address");
        }
    }

    @Test
    void shouldHalfCloseItsOwnSideAndGoOnReading() throws Exception {
        Reactor reactor = startedReactor();
        CompletableFuture<String> heardAfterShutdown = new CompletableFuture<>();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            final ByteArrayOutputStream received = new ByteArrayOutputStream();

            @Override
            public void onOpen(Connection connection) throws IOException {
                connection.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
                connection.shutdownOutput();
                connection.shutdownOutput();
            }

            @Override
            public void onReadable(Connection connection) throws IOException {
                ByteBuffer buffer = ByteBuffer.allocate(64);
                if (connection.read(buffer) < 0) {
                    heardAfterShutdown.complete(received.toString(StandardCharsets.US_ASCII));
                    connection.close();
                    return;
                }
                received.write(buffer.array(), 0, buffer.position());
            }
        });
        try (Socket socket = client(listener)) {
            assertEquals("bye", new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            socket.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertEquals("still here", await(heardAfterShutdown));
        }
    }

    @Test
    void shouldSendAFileWithTransferFrom(@TempDir Path dir) throws Exception {
        Reactor reactor = startedReactor();
        Path file = dir.resolve("payload.bin");
        ByteBuffer content = pattern(8 * 1024 * 1024 + 123);
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            while (content.hasRemaining()) {
                out.write(content);
            }
        }
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            java.nio.channels.FileChannel source;
            long position;

            @Override
            public void onOpen(Connection connection) throws IOException {
                source = java.nio.channels.FileChannel.open(file);
                onWritable(connection);
            }

            @Override
            public void onReadable(Connection connection) {
            }

            @Override
            public void onWritable(Connection connection) throws IOException {
                position += connection.transferFrom(source, position, source.size() - position);
                if (position < source.size()) {
                    connection.requestWritable();
                } else {
                    connection.close();
                }
            }

            @Override
            public void onClosed(Connection connection, Throwable cause) {
                try {
                    source.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        try (Socket socket = client(listener)) {
            byte[] received = socket.getInputStream().readAllBytes();
            assertEquals(content.flip(), ByteBuffer.wrap(received));
        }
    }

    @Test
    void shouldListenOnAUnixDomainSocket(@TempDir Path dir) throws Exception {
        Reactor reactor = startedReactor();
        Path path = dir.resolve("echo.sock");
        Listener listener = reactor.listen(new ListenAddress.Unix(path), c -> new EchoHandler());
        assertEquals(UnixDomainSocketAddress.of(path), listener.localAddress());
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(path));
            OutputStream out = Channels.newOutputStream(channel);
            InputStream in = Channels.newInputStream(channel);
            byte[] message = message(7);
            out.write(message);
            assertArrayEquals(message, readFully(in, message.length));
        }
        listener.close();
        awaitOnLoop(reactor, () -> !path.toFile().exists());
    }

    @Test
    void shouldReplaceAStaleUnixSocketButRefuseALiveOne(@TempDir Path dir) throws Exception {
        Reactor reactor = startedReactor();
        Path path = dir.resolve("s.sock");
        try (java.nio.channels.ServerSocketChannel stale = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(path));
        }
        assertTrue(path.toFile().exists(), "closing a unix listener leaves its file behind");
        Listener listener = reactor.listen(new ListenAddress.Unix(path), c -> new EchoHandler());
        IOException refused = assertThrows(IOException.class,
                () -> reactor.listen(new ListenAddress.Unix(path), c -> new EchoHandler()));
        assertTrue(refused.getMessage().contains("another process is listening"), refused.getMessage());
        listener.close();
    }

    @Test
    void shouldServeOnADescriptorInheritedFromTheParentProcess() throws Exception {
        assertEchoThroughInheritedSocket(false);
    }

    @Test
    void shouldServeOnSystemdSocketActivation() throws Exception {
        assertEchoThroughInheritedSocket(true);
    }

    /**
     * A real parent process (python3) binds a socket and execs a JVM that serves on it, passing
     * it either as {@code fd://N} or as systemd does (fd 3, LISTEN_FDS, LISTEN_PID).
     */
    private void assertEchoThroughInheritedSocket(boolean systemd) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String parent = String.join("\n",
                "import os, socket, sys",
                "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(16)",
                "fd = s.fileno()",
                "if sys.argv[1] == 'systemd':",
                "    os.dup2(fd, 3); fd = 3",
                "    os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = str(os.getpid())",
                "    address = 'systemd'",
                "else:",
                "    address = 'fd://%d' % fd",
                "os.set_inheritable(fd, True)",
                "java = sys.argv[2:]",
                "os.execv(java[0], java + [address])");
        List<String> command = new ArrayList<>(List.of("python3", "-c", parent, systemd ? "systemd" : "fd", java,
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                InheritedEchoMain.class.getName(), provider().getClass().getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        children.add(child);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = awaitListening(child, out);
        int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            byte[] message = message(3);
            socket.getOutputStream().write(message);
            assertArrayEquals(message, readFully(socket.getInputStream(), message.length));
        }
    }

    @Test
    void shouldSurviveRunningOutOfDescriptorsAndServeOnceSomeAreFree() throws Exception {
        // A child JVM with 128 descriptors: more clients than it can accept at once.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "ulimit -n 128 && exec \"$0\" \"$@\"";
        Process child = new ProcessBuilder("bash", "-c", command, java,
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                InheritedEchoMain.class.getName(), provider().getClass().getName(), "127.0.0.1:0")
                .redirectErrorStream(true).start();
        children.add(child);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = awaitListening(child, out);
        int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
        // One round trip first, so the echo path's classes are loaded while jars can be opened.
        try (Socket warmUp = new Socket("127.0.0.1", port)) {
            warmUp.setSoTimeout((int) WAIT.toMillis());
            warmUp.getOutputStream().write(42);
            assertEquals(42, warmUp.getInputStream().read());
        }
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout((int) WAIT.toMillis());
                socket.getOutputStream().write(i);
                sockets.add(socket);
            }
            // The first ones were accepted before the descriptors ran out: they are served.
            assertEquals(0, sockets.get(0).getInputStream().read());
            // Free descriptors by closing most clients; the rest, queued in the backlog while
            // accepting was paused, are then accepted and served.
            for (int i = 0; i < 150; i++) {
                sockets.get(i).close();
            }
            for (int i = 150; i < 200; i++) {
                assertEquals(i, sockets.get(i).getInputStream().read(), "client " + i);
            }
            assertTrue(child.isAlive(), "the server died of EMFILE");
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        child.toHandle().destroyForcibly(); // Process.destroyForcibly would close our end of its output
        child.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        String log = drain(out);
        assertTrue(log.contains("pausing accepts"), "the descriptor limit was never hit:" + log);
    }

    /**
     * The child's "listening" line. Lines before it are skipped: a newer JVM prints warnings first
     * (JDK 23+ about libraries' use of sun.misc.Unsafe).
     */
    private static String awaitListening(Process child, BufferedReader out) throws Exception {
        StringBuilder before = new StringBuilder();
        String line = await(CompletableFuture.supplyAsync(() -> {
            try {
                for (String next; (next = out.readLine()) != null; ) {
                    if (next.startsWith("listening /127.0.0.1:")) {
                        return next;
                    }
                    before.append(next).append('\n');
                }
                return null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        if (line == null) {
            child.toHandle().destroyForcibly(); // keeps its output readable for the message
            throw new AssertionError("child did not listen; it said: " + before + drain(out));
        }
        return line;
    }

    private static String drain(BufferedReader reader) {
        StringBuilder rest = new StringBuilder();
        try {
            for (String l = reader.readLine(); l != null; l = reader.readLine()) {
                rest.append('\n').append(l);
            }
        } catch (IOException e) {
            rest.append('\n').append(e);
        }
        return rest.toString();
    }

    @Test
    void shouldCoalesceWakeUpsOfABurstOfTasks() throws Exception {
        Reactor reactor = startedReactor();
        // Park the loop inside a task: it is awake, so nobody needs to wake it.
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        reactor.execute(() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await(inside);
        long before = reactor.wakeups();
        int producers = 4;
        int perProducer = 10_000;
        CountDownLatch ran = new CountDownLatch(producers * perProducer);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            threads.add(new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    reactor.execute(ran::countDown);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
        }
        assertEquals(before, reactor.wakeups(), "tasks for an awake loop must not wake it");
        release.countDown();
        await(ran);
        // Once the loop has gone back to sleep, one task wakes it, exactly once.
        awaitWakeUpFromSleep(reactor);
    }

    /** Sends single tasks until one finds the loop asleep; none may cost more than one wake-up. */
    private static void awaitWakeUpFromSleep(Reactor reactor) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            long before = reactor.wakeups();
            CountDownLatch ran = new CountDownLatch(1);
            reactor.execute(ran::countDown);
            await(ran);
            long cost = reactor.wakeups() - before;
            assertTrue(cost <= 1, "one task woke the loop " + cost + " times");
            if (cost == 1) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the loop never went to sleep");
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldConnectOutAndReportAFailedConnect() throws Exception {
        Reactor reactor = startedReactor();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new EchoHandler());
        CompletableFuture<String> reply = new CompletableFuture<>();
        reactor.connect(listener.localAddress(), new ConnectionHandler() {
            final ByteArrayOutputStream received = new ByteArrayOutputStream();

            @Override
            public void onOpen(Connection connection) throws IOException {
                connection.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
            }

            @Override
            public void onReadable(Connection connection) throws IOException {
                ByteBuffer buffer = ByteBuffer.allocate(16);
                connection.read(buffer);
                received.write(buffer.array(), 0, buffer.position());
                if (received.size() == 4) {
                    reply.complete(received.toString(StandardCharsets.US_ASCII));
                    connection.close();
                }
            }
        });
        assertEquals("ping", await(reply));

        SocketAddress nobody;
        try (ServerSocket unused = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobody = unused.getLocalSocketAddress();
        }
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        reactor.connect(nobody, new ConnectionHandler() {
            @Override
            public void onOpen(Connection connection) {
                failure.completeExceptionally(new AssertionError("connected to a closed port"));
            }

            @Override
            public void onReadable(Connection connection) {
            }

            @Override
            public void onClosed(Connection connection, Throwable cause) {
                failure.complete(cause);
            }
        });
        assertInstanceOf(ConnectException.class, await(failure));
    }

    @Test
    void shouldCloseEveryConnectionAndListenerWhenClosed() throws Exception {
        Reactor reactor = newReactor(ReactorOptions.defaults());
        Thread loop = reactor.start("closing-reactor");
        CountDownLatch opened = new CountDownLatch(3);
        CountDownLatch closed = new CountDownLatch(3);
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new ConnectionHandler() {
            @Override
            public void onOpen(Connection connection) {
                opened.countDown();
            }

            @Override
            public void onReadable(Connection connection) throws IOException {
                connection.read(ByteBuffer.allocate(16));
            }

            @Override
            public void onClosed(Connection connection, Throwable cause) {
                assertNull(cause);
                closed.countDown();
            }
        });
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sockets.add(client(listener));
        }
        await(opened);
        reactor.close();
        loop.join(WAIT.toMillis());
        assertFalse(loop.isAlive());
        await(closed);
        for (Socket socket : sockets) {
            assertEquals(-1, socket.getInputStream().read());
            socket.close();
        }
        assertThrows(IOException.class, () -> new Socket().connect(tcpAddress(listener), 2000));
    }

    @Test
    void shouldRefuseToListenOnceClosedAndLeaveNoSocketOpen() throws Exception {
        Reactor reactor = newReactor(ReactorOptions.defaults());
        Thread loop = reactor.start("closed-reactor");
        reactor.close();
        loop.join(WAIT.toMillis());
        assertFalse(loop.isAlive());
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        IOException refused = assertThrows(IOException.class,
                () -> reactor.listen(ListenAddress.tcp("127.0.0.1", port), c -> connection -> { }));
        assertTrue(refused.getMessage().contains("closed"), refused::getMessage);
        // Nothing would ever accept there or close it: the socket must not stay bound.
        assertThrows(IOException.class, () -> new Socket().connect(new InetSocketAddress("127.0.0.1", port), 2000));
    }

    @Test
    void shouldReleaseItsSocketsWhenClosedBeforeItsLoopEverRan() throws Exception {
        Reactor reactor = newReactor(ReactorOptions.defaults());
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> connection -> { });
        InetSocketAddress address = tcpAddress(listener);
        reactor.close(); // a server that failed to start closes its reactor without ever running it
        assertThrows(IOException.class, () -> new Socket().connect(address, 2000));
        // Closed for good: a late run() has nothing to do, and listening is refused.
        Thread late = reactor.start("late-run");
        late.join(WAIT.toMillis());
        assertFalse(late.isAlive());
        assertThrows(IOException.class, () -> reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> connection -> { }));
    }

    @Test
    void shouldKeepServingWhenAHandlerThrows() throws Exception {
        Reactor reactor = startedReactor();
        CompletableFuture<Throwable> cause = new CompletableFuture<>();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new EchoHandler() {
            @Override
            public void onReadable(Connection connection) throws IOException {
                ByteBuffer one = ByteBuffer.allocate(1);
                connection.read(one);
                if (one.get(0) == 'x') {
                    throw new IllegalStateException("handler bug");
                }
                connection.write(one.flip());
            }

            @Override
            public void onClosed(Connection connection, Throwable t) {
                if (t != null) {
                    cause.complete(t);
                }
            }
        });
        try (Socket bad = client(listener)) {
            bad.getOutputStream().write('x');
            assertEquals(-1, bad.getInputStream().read());
        }
        assertEquals("handler bug", await(cause).getMessage());
        try (Socket good = client(listener)) {
            good.getOutputStream().write('y');
            assertEquals('y', good.getInputStream().read());
        }
    }
}
