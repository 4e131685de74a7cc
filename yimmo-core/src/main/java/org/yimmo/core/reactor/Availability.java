package org.yimmo.core.reactor;

/**
 * Whether a backend can run here. An unavailable one carries the reason in words and, when a
 * probe failed, the exception it failed with.
 */
public record Availability(boolean available, String reason, Throwable cause) {

    private static final Availability AVAILABLE = new Availability(true, "available", null);

    public static Availability yes() {
        return AVAILABLE;
    }

    public static Availability no(String reason) {
        return new Availability(false, reason, null);
    }

    public static Availability no(String reason, Throwable cause) {
        return new Availability(false, reason + ": " + cause, cause);
    }
}
