package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log of several worker processes appending to one file: every line arrives whole.
 * Two logs on the same file, each with its own descriptor opened for appending, stand for two
 * processes.
 */
class AccessLogTest {

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

    /** Lines of varying length, so that buffer boundaries fall inside lines. */
    private static void fill(AccessLog log, String name) {
        for (int i = 0; i < LINES_PER_LOG; i++) {
            int length = 1 + (i * 37) % 200; // not 0: an empty body is logged as "-"
            log.offer(new AccessLog.Entry("127.0.0.1", "GET /" + name + "/" + i + " HTTP/1.1", 200, length, null,
                    "agent-" + "x".repeat(length), System.currentTimeMillis()));
        }
    }
}
