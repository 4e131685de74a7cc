package org.yimmo.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.yimmo.core.reactor.ReactorSelectionException;

/**
 * The HTTP/1.1 load generator: {@code --threads} threads, each a reactor of the project's own with
 * its share of {@code -c} connections, closed loop or open loop at a fixed rate ({@code -R}, with
 * latency corrected for coordinated omission as wrk2 does), keep-alive or a connection per
 * request, pipelining, GET/POST mixes. Progress once a second on stderr, the report on stdout,
 * optionally an .hgrm file and an HTML report. Run with {@code --help}.
 *
 * <p>Exit status: 0 after a run (errors are in the report), 1 if the run could not start or a
 * file could not be written, 2 for a bad command line.
 */
public final class LoadGenerator {

    private LoadGenerator() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (LoadOptions.UsageException e) {
            err.println("LoadGenerator: " + e.getMessage());
            return 2;
        }
        if (options == null) {
            out.print(LoadOptions.USAGE);
            return 0;
        }
        Results results;
        try {
            results = run(options, err);
        } catch (ReactorSelectionException e) {
            err.println("LoadGenerator: option --reactor: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("LoadGenerator: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        results.print(out);
        try {
            if (options.hgrm() != null) {
                results.writeHgrm(options.hgrm());
            }
            if (options.html() != null) {
                HtmlReport.write(results, options.html());
            }
        } catch (IOException e) {
            err.println("LoadGenerator: cannot write the report: " + e);
            return 1;
        }
        return 0;
    }

    /** Runs the load described by {@code options}, printing progress to {@code progress}. */
    public static Results run(LoadOptions options, PrintStream progress) throws IOException, InterruptedException {
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getByName(options.host()), options.port());
        RequestTemplate template = new RequestTemplate(options);
        List<LoadThread> threads = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int t = 0, first = 0; t < options.threads(); t++) {
                int count = options.connections() / options.threads() + (t < options.connections() % options.threads() ? 1 : 0);
                threads.add(new LoadThread(options, template, remote, first, count, start));
                first += count;
            }
        } catch (IOException | RuntimeException e) {
            threads.forEach(LoadThread::abandon);
            throw e;
        }
        String backend = threads.get(0).reactor().backend();
        for (int t = 0; t < threads.size(); t++) {
            threads.get(t).start("load-" + t);
        }
        reportProgress(options, threads, start, progress);
        for (LoadThread thread : threads) {
            thread.join();
        }
        return Results.merge(options, backend, threads);
    }

    /** Once a second until the end: requests/s over the last second and errors so far. */
    private static void reportProgress(LoadOptions options, List<LoadThread> threads, long start, PrintStream out)
            throws InterruptedException {
        long measureStart = start + options.warmupNanos();
        long end = measureStart + options.durationNanos();
        long lastRequests = 0;
        long lastTime = measureStart;
        for (long tick = start + 1_000_000_000L; tick < end; tick += 1_000_000_000L) {
            long wait = tick - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            long requests = 0;
            long errors = 0;
            for (LoadThread thread : threads) {
                requests += thread.progressRequests();
                errors += thread.progressErrors();
            }
            long now = System.nanoTime();
            if (now < measureStart + 100_000_000L) { // less than 0.1 s measured: nothing to say yet
                out.printf(Locale.ROOT, "%5.1f s  warming up%n", (now - start) / 1e9);
            } else {
                double rate = (requests - lastRequests) / ((now - lastTime) / 1e9);
                out.printf(Locale.ROOT, "%5.1f s  %.0f req/s, %d requests, %d errors%n", (now - measureStart) / 1e9,
                        rate, requests, errors);
                lastRequests = requests;
                lastTime = now;
            }
            out.flush();
        }
    }
}
