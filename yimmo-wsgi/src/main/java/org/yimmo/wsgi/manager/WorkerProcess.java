package org.yimmo.wsgi.manager;

import java.io.IOException;
import java.util.function.Consumer;
import org.yimmo.posix.Posix;
import org.yimmo.posix.Processes;

/**
 * The manager's record of one worker process: its pid, where it is in its life, and the reader
 * thread of its control pipe, which turns each line into a {@link ManagerEvent.Message}. Touched
 * only by the manager's thread, but for the reader.
 */
final class WorkerProcess {

    enum State {
        /** Spawned, loading the application. */
        STARTING,
        /** Serving. */
        READY,
        /** Sent SIGTERM: finishing its requests. */
        STOPPING
    }

    final int number;
    final int pid;
    final long startedAt;
    State state = State.STARTING;
    /** To be stopped once a fresh worker covers it: outdated by a reload, retiring, or surplus. */
    boolean replaced;
    long readyAt;
    long lastHeard;
    /** When STOPPING: the time to send SIGKILL; when STARTING: when it was killed for not starting (0: not). */
    long killAt;

    private final int controlFd;

    WorkerProcess(int number, int pid, int controlFd, long now) {
        this.number = number;
        this.pid = pid;
        this.controlFd = controlFd;
        this.startedAt = now;
        this.lastHeard = now;
    }

    /** Reads the control pipe on a thread of its own until the worker closes it (exits). */
    void startReader(Consumer<ManagerEvent> events) {
        Thread reader = new Thread(null, () -> readLines(events), "yimmo-control-" + pid, 64 * 1024);
        reader.setDaemon(true);
        reader.start();
    }

    private void readLines(Consumer<ManagerEvent> events) {
        byte[] chunk = new byte[512];
        StringBuilder line = new StringBuilder();
        try {
            for (int n; (n = Processes.read(controlFd, chunk)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == '\n') {
                        events.accept(new ManagerEvent.Message(pid, line.toString()));
                        line.setLength(0);
                    } else if (line.length() < 1024) {
                        line.append((char) (chunk[i] & 0xff));
                    }
                }
            }
        } catch (IOException e) {
            // the worker is gone either way; the reaper reports how it ended
        } finally {
            try {
                Posix.close(controlFd);
            } catch (IOException ignored) {
                // nothing more to do with it
            }
        }
    }

    /** "worker 3 (pid 4242)" */
    @Override
    public String toString() {
        return "worker " + number + " (pid " + pid + ")";
    }
}
