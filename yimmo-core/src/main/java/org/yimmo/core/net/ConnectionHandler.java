package org.yimmo.core.net;

import java.io.IOException;

/**
 * What a protocol does with one connection. Every callback runs on the reactor thread that owns
 * the connection, never concurrently, and never re-entrantly: a {@link Connection#close()} made
 * inside a callback is reported through {@link #onClosed} after that callback has returned.
 *
 * <p>An exception thrown out of a callback closes the connection, with the exception as the
 * cause handed to {@link #onClosed}; the reactor goes on serving the others.
 */
public interface ConnectionHandler {

    /** The connection is registered (accepted, or connected when the reactor dialled out). */
    default void onOpen(Connection connection) throws IOException {
    }

    /**
     * Bytes, or the peer's end of stream, can be read. Reading is level-triggered: data left
     * unread is announced again on the next turn, unless the handler paused reading.
     */
    void onReadable(Connection connection) throws IOException;

    /** The socket can take more bytes after {@link Connection#requestWritable()}; one-shot. */
    default void onWritable(Connection connection) throws IOException {
    }

    /**
     * Called exactly once, after the descriptor is closed.
     *
     * @param cause null for an orderly close; otherwise what broke the connection (a reset, a
     *              failed connect, an exception out of a callback)
     */
    default void onClosed(Connection connection, Throwable cause) {
    }
}
