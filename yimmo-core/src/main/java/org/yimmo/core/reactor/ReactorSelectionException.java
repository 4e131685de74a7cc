package org.yimmo.core.reactor;

/** The requested reactor backend cannot be had; the message says why and what can. */
public final class ReactorSelectionException extends RuntimeException {

    public ReactorSelectionException(String message) {
        super(message);
    }

    public ReactorSelectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
