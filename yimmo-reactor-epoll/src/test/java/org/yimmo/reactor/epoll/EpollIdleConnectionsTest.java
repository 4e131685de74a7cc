package org.yimmo.reactor.epoll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ten thousand concurrent keep-alive connections, each used once and then left idle, held by an
 * epoll server in a child JVM (so that neither process needs more than about 10,000
 * descriptors): the memory they cost is measured per connection and bounded, idle ones hold no
 * buffer, and every one still answers afterwards.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EpollIdleConnectionsTest {

    private static final int CONNECTIONS = 10_000;
    /** Generous: an idle connection costs a few hundred bytes of heap and no native memory of ours. */
    private static final long MAX_HEAP_PER_CONNECTION = 2048;
    /** Resident growth with a pre-touched heap: kernel socket memory is not in it, JIT code is. */
    private static final long MAX_NATIVE_PER_CONNECTION = 4096;

    private Process child;

    @AfterEach
    void stopChild() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldHoldTenThousandIdleKeepAliveConnectionsInBoundedMemory() throws Exception {
        long limit = openFileLimit();
        assertTrue(limit > CONNECTIONS + 200, "this test needs more than " + (CONNECTIONS + 200)
                + " descriptors per process; the limit here is " + limit);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        child = new ProcessBuilder(java, "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), IdleServerMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter commands = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8);
        String line = readLine(out);
        assertTrue(line != null && line.startsWith("listening /127.0.0.1:"), "child said: " + line);
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(line.substring(line.lastIndexOf(':') + 1)));

        // Warm up the echo path first so that JIT and class loading are not counted per connection.
        List<SocketChannel> clients = new ArrayList<>(CONNECTIONS);
        try {
            for (int i = 0; i < 200; i++) {
                try (SocketChannel warm = SocketChannel.open(server)) {
                    assertEcho(warm, i);
                }
            }
            Map<String, Long> before = measure(commands, out, 0);

            for (int i = 0; i < CONNECTIONS; i++) {
                SocketChannel client = SocketChannel.open(server);
                clients.add(client);
                assertEcho(client, i);
            }
            Map<String, Long> idle = measure(commands, out, CONNECTIONS);
            assertEquals(0, idle.get("inUse"), "idle connections hold no read buffer");

            double heapPerConnection = (double) (idle.get("heap") - before.get("heap")) / CONNECTIONS;
            double nativePerConnection = (double) (idle.get("rss") - before.get("rss")) / CONNECTIONS;
            System.out.printf("%d idle connections: heap %.0f bytes and resident (non-heap) %.0f bytes per connection;"
                    + " %d read buffers allocated in all%n", CONNECTIONS, heapPerConnection, nativePerConnection,
                    idle.get("allocated"));
            assertTrue(heapPerConnection < MAX_HEAP_PER_CONNECTION, "heap per connection: " + heapPerConnection);
            assertTrue(nativePerConnection < MAX_NATIVE_PER_CONNECTION, "native per connection: " + nativePerConnection);

            // Keep-alive: every idle connection still answers.
            for (int i = 0; i < CONNECTIONS; i++) {
                assertEcho(clients.get(i), i + 7);
            }
        } finally {
            for (SocketChannel client : clients) {
                client.close();
            }
        }
        measure(commands, out, 0);
    }

    private static void assertEcho(SocketChannel channel, int i) throws IOException {
        byte[] message = ("hello " + i).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer send = ByteBuffer.wrap(message);
        while (send.hasRemaining()) {
            channel.write(send);
        }
        ByteBuffer received = ByteBuffer.allocate(message.length);
        while (received.hasRemaining()) {
            assertTrue(channel.read(received) >= 0, "connection " + i + " ended");
        }
        assertArrayEquals(message, received.array());
    }

    /** Asks the child to measure until it reports {@code open} connections (closes are asynchronous). */
    private static Map<String, Long> measure(PrintWriter commands, BufferedReader out, int open) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (;;) {
            commands.println("measure");
            String line = readLine(out);
            assertNotNull(line, "the child ended");
            Map<String, Long> values = new HashMap<>();
            for (String pair : line.split(" ")) {
                String[] kv = pair.split("=");
                values.put(kv[0], Long.parseLong(kv[1]));
            }
            if (values.get("open") == open) {
                return values;
            }
            assertTrue(System.nanoTime() < deadline, "child has " + values.get("open") + " connections, not " + open);
            Thread.sleep(50);
        }
    }

    private static String readLine(BufferedReader out) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);
    }

    private static long openFileLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        return -1;
    }
}
