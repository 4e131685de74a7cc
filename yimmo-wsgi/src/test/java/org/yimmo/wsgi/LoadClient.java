package org.yimmo.wsgi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keep-alive load on a server from {@code connections} threads, each with its own connection,
 * sending {@code GET /pid} (the worker's pid in the body) back to back, for the process manager
 * tests. It tells what a request's failure had to do with which worker: every outcome is kept
 * with the pid of the worker that last answered on that connection.
 *
 * <p>A request on a reused connection that the server closed before sending anything is retried
 * once on a new connection, as HTTP clients do for idempotent requests (RFC 9112, 9.3.1): that
 * is the race every graceful close of an idle keep-alive connection has. Such retries are
 * counted apart from failures.
 */
final class LoadClient implements AutoCloseable {

    /** A request that failed, or was retried, on a connection last answered by {@code lastPid} (0: none). */
    record Incident(long lastPid, boolean retried, String what) {
    }

    private final String host;
    private final int port;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong answered = new AtomicLong();
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private final List<Incident> incidents = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopped;

    LoadClient(WsgiProcess server, int connections) {
        this(server.host(), server.port(), connections);
    }

    /** The load on another port of the server, e.g. its plain-HTTP one next to TLS. */
    LoadClient(String host, int port, int connections) {
        this.host = host;
        this.port = port;
        for (int i = 0; i < connections; i++) {
            Thread thread = new Thread(this::loop, "load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void loop() {
        RawClient client = null;
        long lastPid = 0;
        boolean reused = false;
        while (!stopped) {
            try {
                if (client == null) {
                    client = new RawClient(host, port);
                    reused = false;
                    lastPid = 0;
                }
                client.send("GET /pid HTTP/1.1\r\nHost: test\r\n\r\n");
                RawClient.Response response = client.read();
                if (response.status() != 200 || !response.complete()) {
                    incidents.add(new Incident(lastPid, false, "answer " + response.statusLine()
                            + (response.complete() ? "" : " (truncated)")));
                } else {
                    lastPid = Long.parseLong(response.text().trim());
                    pids.add(lastPid);
                    answered.incrementAndGet();
                }
                reused = true;
                if ("close".equalsIgnoreCase(response.header("Connection"))) {
                    client.close();
                    client = null;
                }
            } catch (IOException | RuntimeException e) {
                if (stopped) {
                    break;
                }
                boolean retry = reused && e.getMessage() != null && e.getMessage().contains("before a response");
                incidents.add(new Incident(lastPid, retry, e.toString()));
                closeQuietly(client);
                client = null;
            }
        }
        closeQuietly(client);
    }

    private static void closeQuietly(RawClient client) {
        if (client != null) {
            try {
                client.close();
            } catch (IOException ignored) {
                // already broken
            }
        }
    }

    long answered() {
        return answered.get();
    }

    /** Pids that have answered so far. */
    Set<Long> pids() {
        return Set.copyOf(pids);
    }

    /** Waits until {@code more} requests past {@code mark} were answered. */
    void awaitAnswers(long mark, long more, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (answered() < mark + more) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("only " + (answered() - mark) + " of " + more + " answers in "
                        + timeoutMillis + " ms; incidents: " + incidents());
            }
            Thread.sleep(10);
        }
    }

    List<Incident> incidents() {
        synchronized (incidents) {
            return List.copyOf(incidents);
        }
    }

    /** Incidents that were failures, not retries of a request the server never saw. */
    List<Incident> failures() {
        return incidents().stream().filter(incident -> !incident.retried()).toList();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            thread.join(20_000);
        }
    }
}
