package org.yimmo.wsgi.manager;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yimmo.posix.Posix;
import org.yimmo.posix.Processes;

/**
 * Starts worker processes: the manager's own command line again (same JVM, options, classpath
 * and arguments, so a reload re-reads the config file), with the listening socket as descriptor
 * 3, a fresh control pipe as descriptor 4, the plain-HTTP listening socket (if any) as
 * descriptor 5, and the environment naming them. The worker knows it is one by
 * {@link ManagerLink#CONTROL_FD_ENV}.
 */
final class WorkerLauncher {

    private static final int LISTEN_FD_IN_CHILD = 3;
    private static final int CONTROL_FD_IN_CHILD = 4;
    private static final int PLAIN_LISTEN_FD_IN_CHILD = 5;

    private final List<String> command;
    private final Map<String, String> environment;
    private final int listenFd;
    private final int plainListenFd;

    /**
     * @param command       the program (absolute path) and its arguments
     * @param environment   the manager's environment, passed on with the worker's entries added
     * @param listenFd      the listening socket the workers share
     * @param plainListenFd the plain-HTTP listening socket they share too, or -1
     */
    WorkerLauncher(List<String> command, Map<String, String> environment, int listenFd, int plainListenFd) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.listenFd = listenFd;
        this.plainListenFd = plainListenFd;
    }

    /** This JVM's command line, as the kernel has it; empty where the platform does not say. */
    static List<String> currentCommand() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> command = new ArrayList<>();
        info.command().ifPresent(command::add);
        info.arguments().ifPresent(arguments -> command.addAll(List.of(arguments)));
        return command.size() > 1 ? command : List.of();
    }

    /** Spawns worker {@code number}; its control pipe is read into {@code manager}'s events. */
    WorkerProcess spawn(int number, ProcessManager manager, long now) throws IOException {
        int[] pipe = Processes.pipe();
        int pid;
        try {
            int[] inherited = plainListenFd < 0 ? new int[] {listenFd, pipe[1]}
                    : new int[] {listenFd, pipe[1], plainListenFd}; // descriptors 3, 4 and 5 in the worker
            pid = Processes.spawn(command, environmentFor(), inherited);
        } catch (IOException e) {
            Posix.close(pipe[0]);
            throw e;
        } finally {
            Posix.close(pipe[1]); // the worker's end: only the worker may hold it, or its exit is never seen
        }
        WorkerProcess worker = new WorkerProcess(number, pid, pipe[0], now);
        worker.startReader(manager::post);
        return worker;
    }

    private List<String> environmentFor() {
        List<String> entries = new ArrayList<>(environment.size() + 4);
        environment.forEach((name, value) -> {
            if (!name.equals(ManagerLink.LISTEN_FD_ENV) && !name.equals(ManagerLink.CONTROL_FD_ENV)
                    && !name.equals(ManagerLink.PLAIN_LISTEN_FD_ENV) && !name.equals(ManagerLink.MANAGER_PID_ENV)) {
                entries.add(name + "=" + value);
            }
        });
        entries.add(ManagerLink.LISTEN_FD_ENV + "=" + LISTEN_FD_IN_CHILD);
        entries.add(ManagerLink.CONTROL_FD_ENV + "=" + CONTROL_FD_IN_CHILD);
        if (plainListenFd >= 0) {
            entries.add(ManagerLink.PLAIN_LISTEN_FD_ENV + "=" + PLAIN_LISTEN_FD_IN_CHILD);
        }
        entries.add(ManagerLink.MANAGER_PID_ENV + "=" + Processes.pid());
        return entries;
    }
}
