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
 * 3, a fresh control pipe as descriptor 4, and the environment naming both. The worker knows it
 * is one by {@link ManagerLink#CONTROL_FD_ENV}.
 */
final class WorkerLauncher {

    private static final int LISTEN_FD_IN_CHILD = 3;
    private static final int CONTROL_FD_IN_CHILD = 4;

    private final List<String> command;
    private final Map<String, String> environment;
    private final int listenFd;

    /**
     * @param command     the program (absolute path) and its arguments
     * @param environment the manager's environment, passed on with the worker's entries added
     * @param listenFd    the listening socket the workers share
     */
    WorkerLauncher(List<String> command, Map<String, String> environment, int listenFd) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.listenFd = listenFd;
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
            pid = Processes.spawn(command, environmentFor(), listenFd, pipe[1]);
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
        List<String> entries = new ArrayList<>(environment.size() + 3);
        environment.forEach((name, value) -> {
            if (!name.equals(ManagerLink.LISTEN_FD_ENV) && !name.equals(ManagerLink.CONTROL_FD_ENV)
                    && !name.equals(ManagerLink.MANAGER_PID_ENV)) {
                entries.add(name + "=" + value);
            }
        });
        entries.add(ManagerLink.LISTEN_FD_ENV + "=" + LISTEN_FD_IN_CHILD);
        entries.add(ManagerLink.CONTROL_FD_ENV + "=" + CONTROL_FD_IN_CHILD);
        entries.add(ManagerLink.MANAGER_PID_ENV + "=" + Processes.pid());
        return entries;
    }
}
