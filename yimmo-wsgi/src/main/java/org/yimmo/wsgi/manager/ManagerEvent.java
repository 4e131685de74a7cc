package org.yimmo.wsgi.manager;

import org.yimmo.posix.Processes;

/** What wakes the manager's thread: a signal, a worker's exit, a line from a worker. */
sealed interface ManagerEvent {

    /** A signal to the manager (its number, from {@link Processes}). */
    record Signal(int number) implements ManagerEvent {
    }

    /** A worker ended. */
    record Exited(Processes.Exit exit) implements ManagerEvent {
    }

    /** A line a worker wrote on its control pipe. */
    record Message(int pid, String text) implements ManagerEvent {
    }
}
