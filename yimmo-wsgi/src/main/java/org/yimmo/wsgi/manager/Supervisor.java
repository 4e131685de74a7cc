package org.yimmo.wsgi.manager;

/**
 * Who replaces a serving process when its watchdog asks: the process manager (through
 * {@link ManagerLink}), or, for a process serving alone, the process itself by re-executing.
 */
public interface Supervisor {

    /** The heartbeat; false when the supervisor is gone. */
    boolean heartbeat();

    /** This process has served {@code served} requests ({@code --max-requests}): replace it gracefully. */
    void retire(long served);

    /** Worker thread {@code slot} is stuck in the application ({@code --timeout}): replace this process now. */
    void stuck(int slot, long seconds);
}
