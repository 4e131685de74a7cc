package org.yimmo.wsgi.python;

/**
 * The Python to embed cannot be used: not found, its probe failed, it has no shared libpython,
 * its version is not supported, or the library would not load or initialise. The message is
 * meant for the user: it says what was tried and what to do.
 */
public final class PythonSetupException extends RuntimeException {

    public PythonSetupException(String message) {
        super(message);
    }

    public PythonSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
