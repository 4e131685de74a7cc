package org.yimmo.wsgi.manager;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.yimmo.posix.Processes;

/**
 * A worker's side of the control pipe to its process manager: one line per message, written by
 * the worker (readiness, a heartbeat every second, "replace me"), read by the manager's reader
 * thread for that worker. A failed write means the manager is gone.
 *
 * <p>The manager passes the listening socket as descriptor 3, this pipe as descriptor 4 and, with
 * {@code --plain-port} next to TLS, the plain-HTTP listening socket as descriptor 5, and names
 * them, with its own pid, in the environment ({@link #LISTEN_FD_ENV} and the others).
 */
public final class ManagerLink implements Supervisor {

    /** The inherited listening socket's descriptor number. */
    public static final String LISTEN_FD_ENV = "YIMMO_WSGI_LISTEN_FD";
    /** The inherited plain-HTTP listening socket's descriptor number ({@code --plain-port} next to TLS). */
    public static final String PLAIN_LISTEN_FD_ENV = "YIMMO_WSGI_PLAIN_LISTEN_FD";
    /** The control pipe's descriptor number; its presence means "this process is a worker". */
    public static final String CONTROL_FD_ENV = "YIMMO_WSGI_CONTROL_FD";
    /** The manager's pid, to notice a manager that died before the worker could watch it. */
    public static final String MANAGER_PID_ENV = "YIMMO_WSGI_MANAGER_PID";

    static final String READY = "ready";
    static final String ALIVE = "alive";
    static final String RETIRE = "retire";
    static final String STUCK = "stuck";

    private final int fd;
    private final int managerPid;

    private ManagerLink(int fd, int managerPid) {
        this.fd = fd;
        this.managerPid = managerPid;
    }

    /**
     * The link when this process was started by a manager (the environment names the pipe),
     * else null. Marks the pipe close-on-exec so that the application's child processes do not
     * keep it open, and asks Linux to send SIGTERM when the manager dies.
     */
    public static ManagerLink fromEnvironment(Map<String, String> env) throws IOException {
        String control = env.get(CONTROL_FD_ENV);
        if (control == null) {
            return null;
        }
        int fd = Integer.parseInt(control);
        int managerPid = Integer.parseInt(env.getOrDefault(MANAGER_PID_ENV, "0"));
        Processes.closeOnExec(fd);
        Processes.signalOnParentDeath(Processes.SIGTERM);
        return new ManagerLink(fd, managerPid);
    }

    /** True while the process that started this one is still its parent. */
    private boolean managerAlive() {
        return Processes.parentPid() == managerPid;
    }

    /** The application is loaded and the worker accepts connections. */
    public boolean ready() {
        return send(READY);
    }

    /** The heartbeat; false when the manager is gone (the write failed, or this process was orphaned). */
    @Override
    public boolean heartbeat() {
        return send(ALIVE) && managerAlive();
    }

    /** Asks to be replaced gracefully after {@code served} requests ({@code --max-requests}). */
    @Override
    public void retire(long served) {
        send(RETIRE + " " + served);
    }

    /** Asks to be replaced now: worker thread {@code slot} is stuck in the application. */
    @Override
    public void stuck(int slot, long seconds) {
        send(STUCK + " " + slot + " " + seconds);
    }

    private synchronized boolean send(String message) {
        try {
            Processes.write(fd, (message + "\n").getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
