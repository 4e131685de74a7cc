package org.yimmo.wsgi.python;

/**
 * A Python exception brought into Java: the exception's type name, its {@code str()}, and the
 * traceback formatted by {@code traceback.format_exception}. The Python error indicator was
 * cleared when this was made. The message is {@code "Type: text"} followed by the traceback.
 */
public final class PythonException extends RuntimeException {

    private final String pythonType;
    private final String pythonMessage;
    private final String traceback;

    public PythonException(String pythonType, String pythonMessage, String traceback) {
        super(pythonType + ": " + pythonMessage + (traceback.isEmpty() ? "" : "\n" + traceback));
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
        this.traceback = traceback;
    }

    /** The exception's class name, qualified unless it is a builtin ({@code ValueError}, {@code json.decoder.JSONDecodeError}). */
    public String pythonType() {
        return pythonType;
    }

    /** {@code str(exception)}. */
    public String pythonMessage() {
        return pythonMessage;
    }

    /** The whole formatted traceback, ending with the {@code Type: text} line; empty if formatting failed. */
    public String traceback() {
        return traceback;
    }
}
