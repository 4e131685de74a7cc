package org.yimmo.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.HdrHistogram.Histogram;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;
import org.yimmo.core.timer.TimerTask;

/**
 * One generator thread: a reactor of its own running a share of the connections, with its own
 * latency histograms and counters, so threads share nothing while the load runs.
 *
 * <p>Threading: the counters and histograms are written on the reactor thread only. Another
 * thread may read {@link #progressRequests()} and {@link #progressErrors()} (published every
 * {@link #SWEEP_NANOS}) at any time, and everything else after {@link #join()}.
 *
 * <p>Latency is recorded in microseconds twice: from the time a request was due (corrected for
 * coordinated omission; in the closed loop the time it was sent, or its connect began with
 * {@code --close}) and from the time it was written (uncorrected). Requests due before the
 * warm-up ends are not counted, nor are errors before it.
 */
final class LoadThread {

    static final long MAX_LATENCY_US = 3_600_000_000L;
    /** How often timeouts are checked and progress published. */
    static final long SWEEP_NANOS = 10_000_000L;

    private final LoadOptions options;
    private final Reactor reactor;
    private final InetSocketAddress remote;
    private final LoadConnection[] connections;
    private final long measureStart;
    private final long end;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final TimerTask sweep = (id, now) -> onSweep(now);

    final Histogram corrected = new Histogram(MAX_LATENCY_US, 3);
    final Histogram uncorrected = new Histogram(MAX_LATENCY_US, 3);
    final long[] errors = new long[ErrorKind.ALL.length];
    long requests;
    long bytesRead;
    long inFlightAtEnd;

    private boolean running = true;
    private volatile long publishedRequests;
    private volatile long publishedErrors;
    private Thread thread;

    /**
     * @param first   the global index of this thread's first connection (for open-loop phases
     *                and the place in the mix)
     * @param count   its number of connections
     * @param startNanos when the load starts (warm-up included), on the {@link System#nanoTime()} clock
     */
    LoadThread(LoadOptions options, RequestTemplate template, InetSocketAddress remote, int first, int count,
            long startNanos) throws IOException {
        this.options = options;
        this.reactor = ReactorSelection.open(options.reactor(), ReactorOptions.defaults());
        this.remote = remote;
        this.measureStart = startNanos + options.warmupNanos();
        this.end = measureStart + options.durationNanos();
        this.connections = new LoadConnection[count];
        double interval = options.openLoop() ? options.connections() * 1e9 / options.rate() : 0;
        for (int i = 0; i < count; i++) {
            int global = first + i;
            Schedule schedule = options.openLoop()
                    ? new Schedule(startNanos + (long) (global * interval / options.connections()), interval) : null;
            int firstKind = (int) ((long) global * template.cycleLength() / options.connections());
            connections[i] = new LoadConnection(this, template, schedule, firstKind);
        }
    }

    /** Starts the reactor thread and the connections. */
    void start(String name) {
        reactor.execute(() -> {
            long now = reactor.nanoTime();
            for (LoadConnection connection : connections) {
                connection.connect(now);
            }
            reactor.timers().schedule(now + SWEEP_NANOS, sweep);
        });
        thread = reactor.start(name);
    }

    /** Waits until the run is over. */
    void join() throws InterruptedException {
        thread.join();
    }

    /** Closes the reactor of a thread that was never started (the run could not begin). */
    void abandon() {
        reactor.close();
    }

    long progressRequests() {
        return publishedRequests;
    }

    long progressErrors() {
        return publishedErrors;
    }

    LoadOptions options() {
        return options;
    }

    Reactor reactor() {
        return reactor;
    }

    InetSocketAddress remote() {
        return remote;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    boolean running() {
        return running;
    }

    void addBytesRead(int n) {
        bytesRead += n;
    }

    void record(long dueNanos, long sentNanos, long now, int status) {
        if (dueNanos < measureStart || !running) {
            return;
        }
        requests++;
        corrected.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, (now - dueNanos) / 1000)));
        uncorrected.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, (now - sentNanos) / 1000)));
        if (status < 200 || status >= 400) {
            errors[ErrorKind.STATUS.ordinal()]++;
        }
    }

    void error(ErrorKind kind, long now) {
        if (now >= measureStart && running) {
            errors[kind.ordinal()]++;
        }
    }

    private void onSweep(long now) {
        if (!running) {
            return;
        }
        if (now >= end) {
            finish();
            return;
        }
        for (LoadConnection connection : connections) {
            connection.checkTimeout(now, options.timeoutNanos());
        }
        publish();
        reactor.timers().schedule(Math.min(now + SWEEP_NANOS, end), sweep);
    }

    private void finish() {
        if (!running) {
            return;
        }
        for (LoadConnection connection : connections) {
            inFlightAtEnd += connection.inFlight();
        }
        publish();
        running = false;
        reactor.close();
    }

    private void publish() {
        long errorCount = 0;
        for (long e : errors) {
            errorCount += e;
        }
        publishedRequests = requests;
        publishedErrors = errorCount;
    }
}
