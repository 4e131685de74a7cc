package org.yimmo.wsgi;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.wsgi.manager.Supervisor;

/**
 * A worker process's watchdog thread, on the JVM side so that it runs whatever Python does: once
 * a second it sends the heartbeat, notices a worker that has served its {@code --max-requests}
 * and a request that has been in the application longer than {@code --timeout}, and asks the
 * {@link Supervisor} for a replacement. A stuck request's Python stack is logged first, so that
 * the cause can be found.
 */
final class Watchdog implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    private static final long TICK_MILLIS = 1000;
    private static final Duration STACK_WAIT = Duration.ofSeconds(5);

    private final WsgiServer server;
    private final Supervisor supervisor;
    private final long maxRequests;
    private final Duration timeout;
    private final Runnable supervisorGone;
    private volatile boolean stopped;

    /**
     * @param maxRequests    0: no limit
     * @param timeout        zero: no limit
     * @param supervisorGone what to do when the heartbeat fails (stop gracefully)
     */
    Watchdog(WsgiServer server, Supervisor supervisor, long maxRequests, Duration timeout, Runnable supervisorGone) {
        this.server = server;
        this.supervisor = supervisor;
        this.maxRequests = maxRequests;
        this.timeout = timeout;
        this.supervisorGone = supervisorGone;
    }

    Thread start() {
        Thread thread = new Thread(this, "yimmo-watchdog");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        boolean retired = false;
        boolean stuckReported = false;
        while (!stopped) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (stopped) {
                return;
            }
            if (!supervisor.heartbeat()) {
                LOG.warn("the process manager is gone: stopping");
                supervisorGone.run();
                return;
            }
            long served = server.requestsServed();
            if (!retired && maxRequests > 0 && served >= maxRequests) {
                retired = true;
                LOG.info("served {} requests (--max-requests {}): asking for a replacement", served, maxRequests);
                supervisor.retire(served);
            }
            if (!stuckReported && !timeout.isZero()) {
                int slot = server.stuckWorker(timeout);
                if (slot >= 0) {
                    stuckReported = true;
                    reportStuck(slot);
                }
            }
        }
    }

    private void reportStuck(int slot) {
        long seconds = server.busyTime(slot).toSeconds();
        String stack = server.pythonStack(slot, STACK_WAIT);
        String where = stack == null
                ? "its Python stack could not be read: the thread holds the GIL in native code for over "
                        + STACK_WAIT.toSeconds() + " s"
                : stack.isEmpty() ? "it is not running Python code now" : "its Python stack (most recent call last):\n"
                        + stack.stripTrailing();
        LOG.error("worker thread {} has been in the application for {} s (--timeout {} s): replacing this worker; {}",
                slot, seconds, timeout.toSeconds(), where);
        supervisor.stuck(slot, seconds);
    }
}
