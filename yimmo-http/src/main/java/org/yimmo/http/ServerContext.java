package org.yimmo.http;

import java.nio.charset.StandardCharsets;
import org.yimmo.http.parser.HttpLimits;

/** What every connection of one server shares: settings, the handler, the pipe pool. Immutable but for the pool. */
final class ServerContext {

    final HttpLimits limits;
    final HttpHandler handler;
    final long idleTimeoutNanos;
    final long headerTimeoutNanos;
    final long bodyTimeoutNanos;
    final long writeTimeoutNanos;
    /** {@code "Server: name\r\n"}, or null to send none. */
    final byte[] serverField;
    final PipePool pipes;
    /** Reactor thread only. */
    final OpenSessions sessions = new OpenSessions();
    /**
     * Set when the server stops taking requests: responses then close their connection, idle
     * connections close.
     */
    volatile boolean draining;

    ServerContext(HttpLimits limits, HttpHandler handler, long idleTimeoutNanos,
            long headerTimeoutNanos, long bodyTimeoutNanos, long writeTimeoutNanos,
            String serverName, int pipeSize, int maxPooledPipes) {
        this.limits = limits;
        this.handler = handler;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.headerTimeoutNanos = headerTimeoutNanos;
        this.bodyTimeoutNanos = bodyTimeoutNanos;
        this.writeTimeoutNanos = writeTimeoutNanos;
        this.serverField = serverName == null || serverName.isEmpty() ? null
                : ("Server: " + serverName + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        this.pipes = new PipePool(pipeSize, maxPooledPipes);
    }
}
