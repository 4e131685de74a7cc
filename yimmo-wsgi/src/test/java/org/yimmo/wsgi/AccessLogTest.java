package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log of several worker processes appending to one file: every line arrives whole.
 * Two logs on the same file, each with its own descriptor opened for appending, stand for two
 * processes. And a full queue (a disk slower than the requests) waits with the caller's lock,
 * the GIL, let go, and loses no line.
 */
class AccessLogTest {

    private static final Runnable NOTHING = () -> { };

    private static final int LINES_PER_LOG = 20_000;
    private static final Pattern LINE = Pattern.compile(
            "127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /(\\w)/(\\d+) HTTP/1\\.1\" 200 (\\d+) \"-\" \"agent-(x*)\"");

    @TempDir
    Path dir;

    @Test
    void logsOfSeveralProcessesOnOneFileNeverCutALine() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLog first = AccessLog.open(file);
        AccessLog second = AccessLog.open(file);
        Thread a = new Thread(() -> fill(first, "a"));
        Thread b = new Thread(() -> fill(second, "b"));
        a.start();
        b.start();
        a.join();
        b.join();
        first.close();
        second.close();

        List<String> lines = Files.readAllLines(file);
        assertEquals(2 * LINES_PER_LOG, lines.size());
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), () -> "a line was cut or mixed: " + line);
            assertEquals(Integer.parseInt(m.group(3)), m.group(4).length(), line);
            assertTrue(seen.add(m.group(1) + m.group(2)), () -> "twice: " + line);
        }
    }

    @Test
    void aFullQueueWaitsWithTheCallersLockLetGo() throws Exception {
        CountDownLatch diskStuck = new CountDownLatch(1);
        CountDownLatch diskFreed = new CountDownLatch(1);
        AtomicLong written = new AtomicLong();
        OutputStream slowDisk = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                diskStuck.countDown();
                try {
                    diskFreed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.addAndGet(length);
            }
        };
        AccessLog log = AccessLog.over(slowDisk, "a slow disk");
        AtomicInteger released = new AtomicInteger();
        AtomicInteger retaken = new AtomicInteger();
        CountDownLatch waiting = new CountDownLatch(1);
        int entries = AccessLog.CAPACITY + 2_000; // more than the queue and the writer's buffer hold
        Thread worker = new Thread(() -> {
            for (int i = 0; i < entries; i++) {
                log.offer(entry("w", i), () -> {
                    assertEquals(released.get(), retaken.get(), "released twice without retaking");
                    released.incrementAndGet();
                    waiting.countDown();
                }, retaken::incrementAndGet);
            }
        });
        worker.start();
        assertTrue(diskStuck.await(10, TimeUnit.SECONDS), "the writer never wrote");
        assertTrue(waiting.await(10, TimeUnit.SECONDS), "a full queue did not let the lock go");
        // The queue may have had room again while the writer was still filling its buffer; once
        // the disk is stuck it has none, and the worker stays in its wait, the lock let go.
        Thread.sleep(20);
        int waits = released.get();
        Thread.sleep(50);
        assertTrue(worker.isAlive());
        assertEquals(waits, released.get(), "the worker went on while the disk was stuck");
        assertEquals(waits - 1, retaken.get(), "the lock was taken back while the queue was still full");

        diskFreed.countDown();
        worker.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(worker.isAlive());
        assertEquals(released.get(), retaken.get());
        log.close();
        long expected = 0;
        for (int i = 0; i < entries; i++) {
            expected += log.format(entry("w", i)).length(); // the writer has stopped: its cache is free
        }
        assertEquals(expected, written.get(), "every line reached the disk");
    }

    /** Lines of varying length, so that buffer boundaries fall inside lines. */
    private static void fill(AccessLog log, String name) {
        for (int i = 0; i < LINES_PER_LOG; i++) {
            log.offer(entry(name, i), NOTHING, NOTHING);
        }
    }

    /** Line {@code i} of {@code name}: not 0 bytes long, as an empty body is logged as "-". */
    private static AccessLog.Entry entry(String name, int i) {
        int length = 1 + (i * 37) % 200;
        return new AccessLog.Entry("127.0.0.1", "GET /" + name + "/" + i + " HTTP/1.1", 200, length, null,
                "agent-" + "x".repeat(length), 1_700_000_000_000L);
    }
}
