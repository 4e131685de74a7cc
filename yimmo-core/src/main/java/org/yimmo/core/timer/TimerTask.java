package org.yimmo.core.timer;

/** What runs when a timer fires; on the thread that polls the wheel. */
@FunctionalInterface
public interface TimerTask {

    /**
     * @param timerId the id {@link TimerWheel#schedule} returned
     * @param nowNanos the time the wheel was polled with
     */
    void onTimeout(long timerId, long nowNanos);
}
