package org.yimmo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare.sh --smoke} as CI runs it: yimmo-wsgi and gunicorn (installed by .ci/run) on the
 * hello app, the load generator from the test classpath, 1 s runs; both servers must answer every
 * request. Needs yimmo-wsgi packaged, as {@code mvn verify} does before this module's tests.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CompareSmokeTest {

    private static final Pattern ROW = Pattern.compile("^\\| (yimmo|gunicorn) \\| ([0-9,]+) \\|.*\\| none \\|$",
            Pattern.MULTILINE);

    /** A port P with P+1 free as well, for the script's two servers; below the ephemeral range. */
    private static int twoFreePorts() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            try (ServerSocket first = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                    ServerSocket second = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress())) {
                if (first.isBound() && second.isBound()) {
                    return port;
                }
            } catch (IOException taken) {
                // try another pair
            }
        }
        throw new IOException("no two consecutive free ports between 20000 and 30000");
    }

    @Test
    void shouldCompareYimmoWithGunicornInUnderThirtySeconds(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.md");
        Path log = dir.resolve("progress.log");
        ProcessBuilder builder = new ProcessBuilder("bash", "scripts/compare.sh", "--smoke", "--no-pin",
                "--base-port", Integer.toString(twoFreePorts()))
                .redirectOutput(report.toFile())
                .redirectError(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("YIMMO_"));
        builder.environment().put("BENCH_CLASSPATH", System.getProperty("java.class.path"));
        long start = System.nanoTime();
        Process script = builder.start();
        try {
            boolean finished = script.waitFor(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            String progress = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(finished, "compare.sh --smoke still running after 60 s:\n" + progress);
            String text = Files.readString(report, StandardCharsets.UTF_8);
            assertEquals(0, script.exitValue(), text + "\n" + progress);
            Matcher rows = ROW.matcher(text);
            int found = 0;
            while (rows.find()) {
                found++;
                assertTrue(Long.parseLong(rows.group(2).replace(",", "")) > 100, rows.group());
            }
            assertEquals(2, found, "a clean row for yimmo and for gunicorn:\n" + text);
            assertTrue(seconds < 30, "took " + seconds + " s");
        } finally {
            // SIGTERM: the script's trap stops the servers it started (each in its own session).
            script.destroy();
            if (!script.waitFor(20, TimeUnit.SECONDS)) {
                script.destroyForcibly();
            }
        }
    }
}
