package org.yimmo.wsgi.manager;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.posix.Processes;
import org.yimmo.wsgi.manager.WorkerProcess.State;

/**
 * The process manager ({@code --no-proc} above 1): a small JVM that never loads Python. It owns
 * the listening socket and keeps {@code processes} workers serving on it, each a JVM running the
 * one-process server. One thread (the one that called {@link #run}) makes every decision, from
 * a queue of {@link ManagerEvent}s fed by signal handlers, a reaper thread and one reader thread
 * per worker's control pipe; it also spawns every worker, so that Linux's parent-death signal,
 * which follows the spawning thread, fires only when the manager ends.
 *
 * <ul>
 * <li>A worker that dies is replaced at once. One that dies before it is ready counts as a failed
 *     start: the next start waits 0.5 s, doubling up to 30 s, and after
 *     {@code maxFailedStarts} in a row with no worker serving the manager gives up (exit 1).
 *     Any worker becoming ready resets the count, so a long-running server never runs out.</li>
 * <li>SIGTERM or SIGINT: graceful stop; every worker gets SIGTERM and finishes its requests
 *     within the graceful timeout (SIGKILL 5 s after it); exit 0. A second SIGINT: SIGKILL now,
 *     exit 130.</li>
 * <li>SIGHUP: rolling reload. Fresh workers start (re-importing the application); each old one
 *     is stopped gracefully only when a fresh one is ready to take its place. If the fresh ones
 *     cannot start, the old ones go on serving.</li>
 * <li>SIGTTIN / SIGTTOU: one worker more / fewer (not below one).</li>
 * <li>A worker asking to retire ({@code --max-requests}) is replaced the same way as in a
 *     reload; one reporting a stuck request ({@code --timeout}) is stopped at once. A worker
 *     silent for {@code heartbeatLimit} is killed.</li>
 * </ul>
 */
public final class ProcessManager {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessManager.class);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long KILL_AFTER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int EXIT_INTERRUPTED = 130;

    /** How the manager behaves. */
    public record Settings(int processes, Duration gracefulTimeout, Duration heartbeatLimit,
            Duration startTimeout, int maxFailedStarts) {
    }

    private final Settings settings;
    private final WorkerLauncher launcher;
    private final LinkedBlockingQueue<ManagerEvent> events = new LinkedBlockingQueue<>();
    private final Semaphore spawned = new Semaphore(0);
    private final Map<Integer, WorkerProcess> workers = new LinkedHashMap<>();
    private int wanted;
    private int nextNumber = 1;
    private int failedStarts;
    private long nextStartAt;
    /** After a failed reload: no more starts until the next SIGHUP. */
    private boolean startsSuspended;
    private boolean stopping;
    private int exitCode;

    /**
     * @param command       the command line a worker runs (this JVM's, see {@link #currentCommand})
     * @param environment   the environment passed to workers
     * @param listenFd      the listening socket, bound by the caller
     * @param plainListenFd the plain-HTTP listening socket next to TLS, bound by the caller, or -1
     */
    public ProcessManager(Settings settings, List<String> command, Map<String, String> environment, int listenFd,
            int plainListenFd) {
        this.settings = settings;
        this.launcher = new WorkerLauncher(command, environment, listenFd, plainListenFd);
        this.wanted = settings.processes();
    }

    /** This JVM's command line, for the workers to run again; empty where it cannot be read. */
    public static List<String> currentCommand() {
        return WorkerLauncher.currentCommand();
    }

    /** Queues an event for the manager's thread; any thread. */
    void post(ManagerEvent event) {
        events.add(event);
    }

    /**
     * Runs the manager until it stops; installs its signal handlers and the reaper first.
     *
     * @return the exit status: 0 after a graceful stop, 130 after a second SIGINT, 1 when workers
     *         could not be started
     */
    public int run() {
        installSignalHandlers();
        startReaper();
        LOG.info("manager (pid {}) starting {} worker(s)", Processes.pid(), wanted);
        while (!stopping || !workers.isEmpty()) {
            try {
                ManagerEvent event = events.poll(TICK_NANOS, TimeUnit.NANOSECONDS);
                long now = System.nanoTime();
                if (event != null) {
                    handle(event, now);
                }
                checkDeadlines(now);
                reconcile(now);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopNow();
                return EXIT_INTERRUPTED;
            }
        }
        LOG.info("manager stopped");
        return exitCode;
    }

    private void handle(ManagerEvent event, long now) {
        if (event instanceof ManagerEvent.Signal signal) {
            onSignal(signal.number(), now);
        } else if (event instanceof ManagerEvent.Exited exited) {
            onExit(exited.exit(), now);
        } else if (event instanceof ManagerEvent.Message message) {
            WorkerProcess worker = workers.get(message.pid());
            if (worker != null) {
                onMessage(worker, message.text(), now);
            }
        }
    }

    private void onSignal(int signal, long now) {
        switch (signal) {
            case Processes.SIGTERM, Processes.SIGINT -> {
                if (stopping && signal == Processes.SIGINT) {
                    LOG.warn("second SIGINT: stopping at once");
                    stopNow();
                    exitCode = EXIT_INTERRUPTED;
                } else if (!stopping) {
                    LOG.info("SIG{}: stopping gracefully (at most {} s)", signal == Processes.SIGINT ? "INT" : "TERM",
                            settings.gracefulTimeout().toSeconds());
                    stopping = true;
                    for (WorkerProcess worker : workers.values()) {
                        stop(worker, now);
                    }
                }
            }
            case Processes.SIGHUP -> {
                if (!stopping) {
                    LOG.info("SIGHUP: reloading, {} fresh worker(s) will replace the running ones", wanted);
                    startsSuspended = false;
                    failedStarts = 0;
                    nextStartAt = now;
                    workers.values().forEach(worker -> worker.replaced = true);
                }
            }
            case Processes.SIGTTIN -> {
                wanted++;
                LOG.info("SIGTTIN: {} worker(s) wanted", wanted);
            }
            case Processes.SIGTTOU -> {
                if (wanted > 1) {
                    wanted--;
                }
                LOG.info("SIGTTOU: {} worker(s) wanted", wanted);
            }
            default -> LOG.debug("ignoring signal {}", signal);
        }
    }

    private void onMessage(WorkerProcess worker, String text, long now) {
        worker.lastHeard = now;
        if (text.equals(ManagerLink.READY)) {
            worker.state = worker.state == State.STARTING ? State.READY : worker.state;
            worker.readyAt = now;
            failedStarts = 0;
            LOG.info("{} ready in {} ms", worker, TimeUnit.NANOSECONDS.toMillis(now - worker.startedAt));
        } else if (text.startsWith(ManagerLink.RETIRE)) {
            LOG.info("{} retiring after {} requests: starting its replacement", worker,
                    text.substring(ManagerLink.RETIRE.length()).trim());
            worker.replaced = true;
        } else if (text.startsWith(ManagerLink.STUCK)) {
            LOG.warn("{} has a stuck request (see its log above): replacing it", worker);
            worker.replaced = true;
            stop(worker, now);
        }
    }

    private void onExit(Processes.Exit exit, long now) {
        WorkerProcess worker = workers.remove(exit.pid());
        if (worker == null) {
            return;
        }
        boolean expected = worker.state == State.STOPPING || stopping;
        if (expected) {
            LOG.info("{} exited ({})", worker, exit.describe());
        } else if (worker.state == State.STARTING) {
            failedStarts++;
            long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(failedStarts - 1, 20));
            LOG.error("{} failed to start ({}); {} failed start(s) in a row", worker, exit.describe(), failedStarts);
            if (failedStarts >= settings.maxFailedStarts()) {
                giveUpStarting();
            } else {
                nextStartAt = now + backoff;
                LOG.info("next start in {} ms", TimeUnit.NANOSECONDS.toMillis(backoff));
            }
        } else {
            LOG.warn("{} died ({}) after {} s: replacing it", worker, exit.describe(),
                    TimeUnit.NANOSECONDS.toSeconds(now - worker.startedAt));
        }
    }

    /**
     * Workers keep failing at start. With old workers still serving (a reload of broken code),
     * keeps them and waits for the next SIGHUP; with none, stops with exit status 1.
     */
    private void giveUpStarting() {
        boolean serving = workers.values().stream().anyMatch(w -> w.state == State.READY);
        if (serving) {
            LOG.error("{} workers in a row failed to start: keeping the running ones; fix the application and send SIGHUP",
                    failedStarts);
            startsSuspended = true;
            workers.values().forEach(worker -> worker.replaced = false);
        } else {
            LOG.error("{} workers in a row failed to start (their output is above): giving up", failedStarts);
            stopping = true;
            exitCode = 1;
            workers.values().forEach(worker -> stop(worker, System.nanoTime()));
        }
    }

    /** Kills workers that stopped answering or ignore SIGTERM. */
    private void checkDeadlines(long now) {
        for (WorkerProcess worker : workers.values()) {
            if (worker.state == State.STOPPING) {
                if (now - worker.killAt > 0) {
                    LOG.warn("{} still running {} s after SIGTERM: SIGKILL", worker,
                            settings.gracefulTimeout().toSeconds() + 5);
                    kill(worker, Processes.SIGKILL);
                    worker.killAt = now + KILL_AFTER_GRACE_NANOS;
                }
            } else if (worker.state == State.STARTING && worker.killAt == 0
                    && now - worker.startedAt > settings.startTimeout().toNanos()) {
                // Still STARTING when it exits: counted as a failed start, with the back-off.
                LOG.warn("{} not ready after {} s: SIGKILL", worker, settings.startTimeout().toSeconds());
                kill(worker, Processes.SIGKILL);
                worker.killAt = now;
            } else if (worker.state == State.READY && now - worker.lastHeard > settings.heartbeatLimit().toNanos()) {
                LOG.warn("{} silent for {} s: SIGKILL", worker, settings.heartbeatLimit().toSeconds());
                kill(worker, Processes.SIGKILL);
                worker.state = State.STOPPING;
                worker.killAt = now + KILL_AFTER_GRACE_NANOS;
            }
        }
    }

    /**
     * Moves the workers towards the wanted count: starts fresh ones (after any back-off), marks
     * surplus ones as replaced, and stops replaced ones once enough fresh ones are ready to take
     * their place (a replaced one still starting is stopped at once).
     */
    private void reconcile(long now) {
        if (stopping) {
            return;
        }
        List<WorkerProcess> fresh = new ArrayList<>();
        for (WorkerProcess worker : workers.values()) {
            if (!worker.replaced && worker.state != State.STOPPING) {
                fresh.add(worker);
            }
        }
        for (int surplus = fresh.size() - wanted; surplus > 0; surplus--) {
            fresh.remove(fresh.size() - 1).replaced = true; // the newest: still starting, or the least warm
        }
        if (!startsSuspended) {
            for (int missing = wanted - fresh.size(); missing > 0 && now - nextStartAt >= 0; missing--) {
                WorkerProcess started = start(now);
                if (started == null) {
                    break;
                }
                fresh.add(started);
            }
        }
        long readyFresh = fresh.stream().filter(w -> w.state == State.READY).count();
        List<WorkerProcess> replaced = new ArrayList<>();
        long replacedServing = 0;
        for (WorkerProcess worker : workers.values()) {
            if (worker.replaced && worker.state != State.STOPPING) {
                replaced.add(worker);
                replacedServing += worker.state == State.READY ? 1 : 0;
            }
        }
        for (WorkerProcess worker : replaced) {
            if (worker.state == State.STARTING) {
                stop(worker, now);
            } else if (readyFresh + replacedServing > wanted) {
                stop(worker, now);
                replacedServing--;
            }
        }
    }

    private WorkerProcess start(long now) {
        int number = nextNumber++;
        try {
            WorkerProcess worker = launcher.spawn(number, this, now);
            workers.put(worker.pid, worker);
            spawned.release();
            LOG.info("{} started", worker);
            return worker;
        } catch (IOException e) {
            LOG.error("cannot start worker {}: {}", number, e.getMessage());
            failedStarts++;
            nextStartAt = now + FIRST_BACKOFF_NANOS;
            if (failedStarts >= settings.maxFailedStarts()) {
                giveUpStarting();
            }
            return null;
        }
    }

    private void stop(WorkerProcess worker, long now) {
        if (worker.state == State.STOPPING) {
            return;
        }
        worker.state = State.STOPPING;
        worker.killAt = now + settings.gracefulTimeout().toNanos() + KILL_AFTER_GRACE_NANOS;
        kill(worker, Processes.SIGTERM);
    }

    private void stopNow() {
        stopping = true;
        for (WorkerProcess worker : workers.values()) {
            kill(worker, Processes.SIGKILL);
        }
    }

    private static void kill(WorkerProcess worker, int signal) {
        try {
            Processes.kill(worker.pid, signal);
        } catch (IOException e) {
            LOG.warn("cannot signal {}: {}", worker, e.getMessage());
        }
    }

    private void installSignalHandlers() {
        for (String name : List.of("TERM", "INT", "HUP", "TTIN", "TTOU")) {
            Processes.handleSignal(name, received -> post(new ManagerEvent.Signal(received)));
        }
    }

    /** Waits for children on a thread of its own; sleeps while there are none. */
    private void startReaper() {
        Thread reaper = new Thread(null, () -> {
            try {
                for (;;) {
                    Processes.Exit exit = Processes.waitAny();
                    if (exit == null) {
                        spawned.acquire();
                    } else {
                        post(new ManagerEvent.Exited(exit));
                    }
                }
            } catch (IOException e) {
                LOG.error("waitpid failed: {}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "yimmo-reaper", 64 * 1024);
        reaper.setDaemon(true);
        reaper.start();
    }
}
