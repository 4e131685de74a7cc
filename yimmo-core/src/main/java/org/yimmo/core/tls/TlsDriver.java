package org.yimmo.core.tls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.timer.TimerTask;

/**
 * The raw connection's handler under a {@link TlsConnection}: drives the handshake (bounded by a
 * timer), makes the protocol's handler once it completes, and turns the socket's readiness into
 * the protocol's callbacks: readable when there is plaintext to read, writable once buffered
 * ciphertext has gone out.
 *
 * <p>Failures (a failed handshake, a plain-HTTP client, a client that goes away mid-handshake,
 * a handshake timeout) close this connection only and are logged at debug with the peer. A
 * plain HTTP request gets a plain {@code 400} before the close, as nginx answers it.
 *
 * <p>Reactor thread only.
 */
final class TlsDriver implements ConnectionHandler, TimerTask {

    private static final Logger LOG = LoggerFactory.getLogger(TlsDriver.class);
    /** How long a close waits for close_notify and buffered ciphertext to go out. */
    static final long CLOSE_FLUSH_NANOS = 2_000_000_000L;
    private static final byte[] PLAIN_HTTP_REFUSAL = plainHttpRefusal();

    private final TlsConnection tls;
    private final Connection raw;
    private final ProtocolFactory protocol;
    private final long handshakeTimeoutNanos;
    private final Runnable readableTask = this::onBufferedReadable;
    private ConnectionHandler handler;
    private long timerId;
    private boolean rawWritableRequested;
    private boolean rawReadingPaused;
    private boolean readableScheduled;
    private boolean firstBytesSeen;
    private boolean plainHttpRefused;

    TlsDriver(TlsConnection tls, ProtocolFactory protocol, long handshakeTimeoutNanos) {
        this.tls = tls;
        this.raw = tls.raw;
        this.protocol = protocol;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
    }

    // ---------------------------------------------------------------- raw callbacks

    @Override
    public void onOpen(Connection connection) throws IOException {
        timerId = tls.reactor.timers().schedule(tls.reactor.nanoTime() + handshakeTimeoutNanos, this);
        tls.engine.beginHandshake();
        handshake();
    }

    @Override
    public void onReadable(Connection connection) throws IOException {
        if (plainHttpRefused) {
            discardInput();
        } else if (!tls.established) {
            handshake();
        } else if (!tls.isClosed() && !tls.readingPaused && !tls.taskRunning) {
            deliverReadable();
        }
    }

    @Override
    public void onWritable(Connection connection) throws IOException {
        rawWritableRequested = false;
        if (!tls.flush()) {
            awaitRawWritable();
            return;
        }
        if (tls.closeWhenFlushed) {
            tls.queueCloseNotify();
            if (tls.flush()) {
                raw.close();
            } else {
                awaitRawWritable();
            }
            return;
        }
        if (tls.rawShutdownPending) {
            finishOutput();
        }
        if (!tls.established) {
            handshake();
        } else if (!tls.taskRunning && tls.serviceEngine() && tls.writableWanted && !tls.isClosed()) {
            tls.writableWanted = false;
            handler.onWritable(tls);
        }
    }

    @Override
    public void onClosed(Connection connection, Throwable cause) {
        tls.markClosed();
        cancelTimer();
        tls.releaseAll();
        if (handler != null) {
            handler.onClosed(tls, cause != null ? cause : tls.closeCause);
        }
    }

    @Override
    public void onTimeout(long id, long now) {
        if (id != timerId) {
            return;
        }
        timerId = 0;
        if (tls.closeWhenFlushed) {
            raw.close();
        } else if (!tls.established) {
            if (!plainHttpRefused) {
                LOG.debug("TLS handshake with {} not completed in time; closing", raw.remoteAddress());
            }
            raw.close();
        }
    }

    // ---------------------------------------------------------------- the handshake

    private void handshake() throws IOException {
        try {
            while (!tls.established && !tls.taskRunning && !tls.isClosed() && !plainHttpRefused) {
                if (!tls.serviceEngine()) {
                    return;
                }
                HandshakeStatus status = tls.engine.getHandshakeStatus();
                if (status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED) {
                    establish();
                    return;
                }
                if (!unwrapHandshake()) {
                    if (!tls.flush()) {
                        awaitRawWritable();
                    }
                    return;
                }
            }
        } catch (SSLException | EOFException e) {
            failHandshake(e);
        }
    }

    /** One handshake record in, or bytes read for one; false when the socket has none yet. */
    private boolean unwrapHandshake() throws IOException {
        if (tls.netIn == null || !tls.netIn.hasRemaining() || tls.underflow) {
            int n = tls.readRaw();
            if (n == 0) {
                tls.releaseNetInIfEmpty();
                return false;
            }
            if (n < 0) {
                if (!firstBytesSeen) {
                    LOG.debug("{} closed the connection before a TLS handshake", raw.remoteAddress());
                    raw.close();
                    return false;
                }
                throw new EOFException("the peer closed the connection during the TLS handshake");
            }
            if (!firstBytesSeen) {
                firstBytesSeen = true;
                byte first = tls.netIn.get(tls.netIn.position());
                if (first >= 'A' && first <= 'Z') { // a TLS record starts with its type, 22 for a handshake
                    refusePlainHttp();
                    return false;
                }
            }
            return true;
        }
        SSLEngineResult result = tls.unwrapToAppIn();
        tls.releaseNetInIfEmpty();
        switch (result.getStatus()) {
            case BUFFER_UNDERFLOW -> tls.underflow = true;
            case CLOSED -> throw new SSLException("the peer closed the TLS session during the handshake");
            default -> { }
        }
        return true;
    }

    private void establish() throws IOException {
        tls.established = true;
        cancelTimer();
        if (!tls.flush()) {
            awaitRawWritable();
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("TLS with {}: {} {} ALPN '{}'", raw.remoteAddress(), tls.engine.getSession().getProtocol(),
                    tls.engine.getSession().getCipherSuite(), tls.engine.getApplicationProtocol());
        }
        handler = protocol.newHandler(tls);
        handler.onOpen(tls);
        updateRawReading();
        announceBufferedInput();
        if (tls.writableWanted) {
            awaitRawWritable();
        }
    }

    private void failHandshake(Exception e) {
        LOG.debug("TLS handshake with {} failed: {}", raw.remoteAddress(), e.toString());
        try {
            tls.serviceEngine(); // the alert the engine prepared, if the socket takes it
            tls.flush();
        } catch (IOException | RuntimeException ignored) {
            // Best effort: the connection is closed either way.
        }
        raw.close();
    }

    private void refusePlainHttp() throws IOException {
        plainHttpRefused = true;
        LOG.debug("plain HTTP from {} on a TLS port: answering 400 and closing", raw.remoteAddress());
        tls.netIn.position(tls.netIn.limit());
        tls.releaseNetInIfEmpty();
        raw.write(ByteBuffer.wrap(PLAIN_HTTP_REFUSAL));
        raw.shutdownOutput();
        // Go on reading (and discarding) until the client closes or the handshake timer fires:
        // closing with its bytes unread would reset the connection under the answer.
    }

    private void discardInput() throws IOException {
        for (int n; (n = tls.readRaw()) != 0; ) {
            tls.netIn.position(tls.netIn.limit());
            tls.releaseNetInIfEmpty();
            if (n < 0) {
                raw.close();
                return;
            }
        }
        tls.releaseNetInIfEmpty();
    }

    /** Called on the reactor thread once the delegated tasks ran elsewhere. */
    void tasksDone(Throwable failure) {
        tls.taskRunning = false;
        if (tls.isClosed() || !raw.isOpen()) {
            return;
        }
        try {
            if (failure != null) {
                if (!tls.established) {
                    failHandshake(failure instanceof Exception e ? e : new SSLException(failure));
                    return;
                }
                throw new SSLException("TLS engine task failed", failure);
            }
            updateRawReading();
            if (!tls.established) {
                handshake();
                return;
            }
            if (tls.serviceEngine()) {
                announceBufferedInput();
                if (tls.writableWanted) {
                    awaitRawWritable();
                }
            }
        } catch (Throwable t) {
            closeWith(t);
        }
    }

    // ---------------------------------------------------------------- data phase

    private void deliverReadable() throws IOException {
        handler.onReadable(tls);
        announceBufferedInput();
    }

    /** Plaintext the socket will not announce again: deliver it from a task, after this callback. */
    void announceBufferedInput() {
        if (tls.established && !tls.isClosed() && !tls.readingPaused && !tls.taskRunning && !readableScheduled
                && tls.hasBufferedInput()) {
            readableScheduled = true;
            tls.reactor.execute(readableTask);
        }
    }

    private void onBufferedReadable() {
        readableScheduled = false;
        if (tls.isClosed() || !raw.isOpen() || tls.readingPaused || tls.taskRunning || !tls.hasBufferedInput()) {
            return;
        }
        try {
            deliverReadable();
        } catch (Throwable t) {
            closeWith(t);
        }
    }

    /** Raw reads follow the handler's pause, except during the handshake; none while a task runs. */
    void updateRawReading() {
        boolean wanted = !tls.taskRunning && !tls.closeWhenFlushed && (!tls.established || !tls.readingPaused);
        if (wanted == rawReadingPaused) {
            rawReadingPaused = !wanted;
            if (wanted) {
                raw.resumeReading();
            } else {
                raw.pauseReading();
            }
        }
    }

    void awaitRawWritable() {
        if (!rawWritableRequested) {
            rawWritableRequested = true;
            raw.requestWritable();
        }
    }

    /** close_notify is queued: send it and shut the socket's output once it is out. */
    void finishOutput() throws IOException {
        if (!tls.engine.isOutboundDone()) {
            tls.queueCloseNotify();
        }
        if (tls.flush() && tls.engine.isOutboundDone()) {
            tls.rawShutdownPending = false;
            raw.shutdownOutput();
        } else {
            awaitRawWritable();
        }
    }

    /** A close on the reactor thread with ciphertext still buffered: wait for it, not forever. */
    void closeAfterFlush() {
        updateRawReading();
        awaitRawWritable();
        cancelTimer();
        timerId = tls.reactor.timers().schedule(tls.reactor.nanoTime() + CLOSE_FLUSH_NANOS, this);
    }

    private void closeWith(Throwable cause) {
        if (tls.closeCause == null) {
            tls.closeCause = cause;
        }
        raw.close();
    }

    private void cancelTimer() {
        if (timerId != 0) {
            tls.reactor.timers().cancel(timerId);
            timerId = 0;
        }
    }

    private static byte[] plainHttpRefusal() {
        String body = "400 Bad Request: a plain HTTP request was sent to an HTTPS port\n";
        return ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }
}
