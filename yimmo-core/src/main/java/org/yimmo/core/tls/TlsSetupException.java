package org.yimmo.core.tls;

/**
 * A certificate or key that cannot be used: missing, unreadable, malformed, encrypted without a
 * password, or not matching. The message names the file and the problem, for the user.
 */
public final class TlsSetupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TlsSetupException(String message) {
        super(message);
    }

    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
