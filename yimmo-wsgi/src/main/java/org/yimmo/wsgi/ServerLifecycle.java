package org.yimmo.wsgi;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.posix.Processes;
import org.yimmo.wsgi.manager.ManagerLink;
import org.yimmo.wsgi.manager.Supervisor;

/**
 * How a serving process ends: the signals it answers and the one graceful stop they lead to.
 *
 * <ul>
 * <li>Alone (no manager): SIGTERM and SIGINT stop gracefully and exit 0; a second SIGINT exits
 *     130 at once. SIGHUP, {@code --max-requests} and {@code --timeout} replace the process by a
 *     fresh one with the same pid: it stops accepting, finishes its requests, then executes its
 *     own command line again, handing over the listening sockets, so connections arriving
 *     meanwhile wait in the sockets' queues instead of being refused, and the application is
 *     imported anew.</li>
 * <li>A manager's worker: SIGTERM stops gracefully and exits 0; SIGINT and SIGHUP are the
 *     manager's to act on (a terminal sends them to the whole process group).</li>
 * </ul>
 * Any other exit (System.exit, a signal the JVM handles) goes through the same stop, from the
 * shutdown hook.
 */
final class ServerLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ServerLifecycle.class);
    static final int EXIT_INTERRUPTED = 130;

    private final WsgiServer server;
    private final Duration grace;
    private final AccessLog accessLog;
    private final AtomicBoolean stopping = new AtomicBoolean();

    ServerLifecycle(WsgiServer server, Duration grace, AccessLog accessLog) {
        this.server = server;
        this.grace = grace;
        this.accessLog = accessLog;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stopping.compareAndSet(false, true)) {
                stopServer();
            }
        }, "yimmo-shutdown"));
    }

    /** Signals of a process serving alone; {@code relaunch} replaces it (SIGHUP). */
    void handleSignalsAlone(Relaunch relaunch) {
        handle("TERM", () -> stop(0));
        handle("INT", () -> {
            if (stopping.get()) {
                LOG.warn("second SIGINT: stopping at once");
                Runtime.getRuntime().halt(EXIT_INTERRUPTED);
            }
            stop(0);
        });
        handle("HUP", () -> replace(relaunch, "SIGHUP"));
    }

    /** Signals of a manager's worker. */
    void handleSignalsAsWorker() {
        handle("TERM", () -> stop(0));
        handle("INT", () -> LOG.debug("SIGINT left to the manager"));
        handle("HUP", () -> LOG.debug("SIGHUP left to the manager"));
    }

    /**
     * The supervisor of a process serving alone: nobody to beat for, and a replacement is this
     * process re-executed through {@code relaunch}.
     */
    Supervisor replacingItself(Relaunch relaunch) {
        return new Supervisor() {
            @Override
            public boolean heartbeat() {
                return true;
            }

            @Override
            public void retire(long served) {
                replace(relaunch, "--max-requests");
            }

            @Override
            public void stuck(int slot, long seconds) {
                replace(relaunch, "--timeout");
            }
        };
    }

    /** Stops gracefully on a thread of its own, then exits with {@code status}. */
    void stop(int status) {
        start("yimmo-stop", () -> {
            if (stopping.compareAndSet(false, true)) {
                stopServer();
            }
            Runtime.getRuntime().exit(status);
        });
    }

    /**
     * Stops gracefully, then becomes a fresh process through {@code relaunch}; if that fails,
     * exits 1 (the socket is gone with this process: a supervisor restarts it).
     */
    void replace(Relaunch relaunch, String why) {
        start("yimmo-replace", () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            LOG.info("{}: replacing this process with a fresh one (pid {} stays)", why, ProcessHandle.current().pid());
            try {
                Map<String, Integer> kept = relaunch.keepSockets();
                stopServer();
                System.out.flush();
                System.err.flush();
                relaunch.exec(kept);
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot replace this process: {}", e.toString());
                Runtime.getRuntime().exit(1);
            }
        });
    }

    /**
     * Not a daemon, whoever starts it (signal handlers and the watchdog are daemons): the JVM
     * would otherwise exit as soon as the server's own threads end, before the exit status is
     * set or the new program executed.
     */
    private static void start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(false);
        thread.start();
    }

    private void stopServer() {
        LOG.info("stopping: finishing requests in progress (at most {} s)", grace.toSeconds());
        server.shutdown(grace);
        if (accessLog != null) {
            accessLog.close();
        }
        LOG.info("yimmo-wsgi stopped");
    }

    private static void handle(String signal, Runnable action) {
        Processes.handleSignal(signal, received -> action.run());
    }

    /**
     * This process's command line run again in place, with the listening sockets handed over:
     * {@code sockets} maps the environment variable that names each to the program to its
     * descriptor.
     */
    record Relaunch(List<String> command, Map<String, String> environment, Map<String, Integer> sockets) {

        /** Copies of the listening sockets that outlive the server's own, by the same variables. */
        Map<String, Integer> keepSockets() throws IOException {
            Map<String, Integer> kept = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> socket : sockets.entrySet()) {
                kept.put(socket.getKey(), Processes.dup(socket.getValue()));
            }
            return kept;
        }

        void exec(Map<String, Integer> kept) throws IOException {
            List<String> env = new ArrayList<>();
            environment.forEach((name, value) -> {
                // Both, always: a socket inherited but not served (its setting since removed) is not passed on.
                if (!name.equals(ManagerLink.LISTEN_FD_ENV) && !name.equals(ManagerLink.PLAIN_LISTEN_FD_ENV)) {
                    env.add(name + "=" + value);
                }
            });
            kept.forEach((name, fd) -> env.add(name + "=" + fd));
            Processes.exec(command, env, kept.values().stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
