package org.yimmo.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What a run measured, merged from every {@link LoadThread} once they have stopped, and its text
 * report. Latencies are kept in microseconds and reported in milliseconds.
 *
 * <p>Immutable after {@link #merge}; any thread.
 */
final class Results {

    /** The percentiles of the report. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9};

    final LoadOptions options;
    final String backend;
    final Histogram corrected = new Histogram(LoadThread.MAX_LATENCY_US, 3);
    final Histogram uncorrected = new Histogram(LoadThread.MAX_LATENCY_US, 3);
    final long[] errors = new long[ErrorKind.ALL.length];
    long requests;
    long bytesRead;
    long inFlightAtEnd;

    private Results(LoadOptions options, String backend) {
        this.options = options;
        this.backend = backend;
    }

    static Results merge(LoadOptions options, String backend, List<LoadThread> threads) {
        Results results = new Results(options, backend);
        for (LoadThread thread : threads) {
            results.corrected.add(thread.corrected);
            results.uncorrected.add(thread.uncorrected);
            for (int i = 0; i < results.errors.length; i++) {
                results.errors[i] += thread.errors[i];
            }
            results.requests += thread.requests;
            results.bytesRead += thread.bytesRead;
            results.inFlightAtEnd += thread.inFlightAtEnd;
        }
        return results;
    }

    double seconds() {
        return options.durationNanos() / 1e9;
    }

    double requestsPerSecond() {
        return requests / seconds();
    }

    long errors(ErrorKind kind) {
        return errors[kind.ordinal()];
    }

    long errorTotal() {
        long total = 0;
        for (long e : errors) {
            total += e;
        }
        return total;
    }

    /** One line describing the load: target, threads, connections, loop and connection mode. */
    String describe() {
        return String.format(Locale.ROOT, "http://%s:%d%s, %d thread(s) (%s reactor), %d connection(s), %s, %s%s",
                options.host(), options.port(), options.target(), options.threads(), backend, options.connections(),
                options.openLoop() ? String.format(Locale.ROOT, "open loop at %.0f req/s", options.rate())
                        : "closed loop",
                options.close() ? "a connection per request" : "keep-alive",
                options.pipeline() > 1 ? ", pipeline " + options.pipeline() : "");
    }

    /** The latency in milliseconds at {@code percentile} of {@code histogram}. */
    static double millis(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    void print(PrintStream out) {
        out.println("Load: " + describe());
        out.printf(Locale.ROOT, "Duration:      %.2f s (after %.2f s of warm-up)%n", seconds(),
                options.warmupNanos() / 1e9);
        out.printf(Locale.ROOT, "Requests:      %d%n", requests);
        out.printf(Locale.ROOT, "Requests/sec:  %.2f%n", requestsPerSecond());
        out.println("Latency:       " + latencyLine(corrected)
                + (options.openLoop() ? "  (from the intended send time)" : ""));
        if (options.openLoop()) {
            out.println("Uncorrected:   " + latencyLine(uncorrected) + "  (from the actual send time)");
        }
        StringBuilder errorText = new StringBuilder();
        for (ErrorKind kind : ErrorKind.ALL) {
            errorText.append(errorText.length() == 0 ? "" : ", ").append(kind.label).append(' ').append(errors(kind));
        }
        out.println("Errors:        " + errorTotal() + " (" + errorText + ")");
        out.printf(Locale.ROOT, "Bytes read:    %d%n", bytesRead);
        out.printf(Locale.ROOT, "In flight at end: %d%n", inFlightAtEnd);
        out.flush();
    }

    private static String latencyLine(Histogram h) {
        StringBuilder line = new StringBuilder();
        for (double p : PERCENTILES) {
            line.append(String.format(Locale.ROOT, "p%s %.3f ms  ", trim(p), millis(h, p)));
        }
        return line.append(String.format(Locale.ROOT, "max %.3f ms", h.getMaxValue() / 1000.0)).toString();
    }

    /** 50.0 -> "50", 99.9 -> "99.9". */
    static String trim(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    /** HdrHistogram's percentile distribution of the (corrected) latency, in milliseconds. */
    void writeHgrm(Path file) throws IOException {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, "US-ASCII")) {
            corrected.outputPercentileDistribution(out, 1000.0);
        }
    }
}
