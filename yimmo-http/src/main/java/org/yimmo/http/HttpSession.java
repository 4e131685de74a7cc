package org.yimmo.http;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.buffer.BufferPool;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.timer.TimerTask;
import org.yimmo.core.tls.TlsConnection;
import org.yimmo.core.timer.TimerWheel;
import org.yimmo.http.parser.ChunkedDecoder;
import org.yimmo.http.parser.RequestHead;
import org.yimmo.http.parser.RequestHeadParser;

/**
 * One HTTP/1.1 connection, on its reactor thread: reads and parses request heads, dispatches one
 * exchange at a time, moves the request body into the exchange's pipe and the response pipe onto
 * the socket, and keeps the one timer that enforces whichever timeout applies now.
 *
 * <p>States: {@code AWAIT_HEAD} (idle, or a head partly read), {@code IN_EXCHANGE} (a request is
 * with the handler; the socket is read only for its body), {@code DRAIN_BODY} (the response is out
 * but the client is still sending a body nobody read: it is discarded before the next request),
 * {@code CLOSING} (writing our own last response, an error), {@code LINGER} (output shut down, discarding what the client still sends so
 * that closing does not reset the connection under the response), {@code CLOSED}.
 *
 * <p>Work that other threads cause (a response chunk, a read that frees body space, the handler
 * asking for the body) arrives through {@link Reactor#execute} with pre-made tasks and a flag, so a
 * burst of writes costs one task; on the reactor thread it is done at once, or after the current
 * callback when the session is already busy (so a handler that answers inside {@code handle()}
 * never re-enters the session).
 */
final class HttpSession implements ConnectionHandler, TimerTask {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSession.class);
    private static final VarHandle FLUSH_SCHEDULED;

    static {
        try {
            FLUSH_SCHEDULED = MethodHandles.lookup()
                    .findVarHandle(HttpSession.class, "flushScheduled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int AWAIT_HEAD = 0;
    private static final int IN_EXCHANGE = 1;
    private static final int DRAIN_BODY = 2;
    private static final int CLOSING = 3;
    private static final int LINGER = 4;
    private static final int CLOSED = 5;

    /** {@link #fill()}: the buffer is full and nothing was read. */
    private static final int FULL = -2;
    /** How long and how much a closing connection discards before it closes anyway. */
    private static final long LINGER_NANOS = 2_000_000_000L;
    /**
     * While the server drains, how long a connection that has sent nothing yet may take to send
     * its first request: the client opened it to send one, and closing it first would fail that
     * request on a connection the client had no reason to think stale.
     */
    private static final long DRAIN_FIRST_REQUEST_NANOS = 1_000_000_000L;
    private static final long LINGER_BYTES = 256 * 1024;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext context;
    private final Connection connection;
    private final boolean secure;
    private final Reactor reactor;
    private final BufferPool buffers;
    private final TimerWheel timers;
    private final RequestHeadParser parser;
    private final ChunkedDecoder chunks;
    private final Runnable flushTask = this::flushFromTask;
    private final Runnable demandTask = this::onBodyDemanded;
    private final Runnable resumeTask = this::onBodyResumed;

    private HttpExchange exchange;
    private int state = AWAIT_HEAD;
    /** Bytes read and not consumed, in read mode; null while the connection holds none. */
    private ByteBuffer in;
    private boolean inPooled;
    private boolean readingPaused;

    // The body of the current request, as far as the socket is concerned.
    private boolean bodyActive;
    private boolean bodyStalled;
    private long bodyRemaining;
    private boolean continueSent;
    private boolean closeAfterExchange;

    // Output.
    /** Bytes the session itself sends before the response pipe (100 Continue, an error). */
    private ByteBuffer ownOutput;
    private boolean responseBytesSent;
    private boolean writePending;

    // Timeouts: one timer, re-armed from stamps (see deadline()).
    private long timerId;
    private long timerDeadline;
    private boolean headStarted;
    /** False until the first request head arrives: a new connection, not an idle keep-alive one. */
    private boolean servedAny;
    private long idleSince;
    private long headSince;
    private long bodyActivity;
    private long writeActivity;
    private long lingerSince;
    private long lingerDiscarded;

    // Re-entrancy: work asked for while the session is busy runs when it returns.
    private int depth;
    private boolean flushPending;
    @SuppressWarnings("unused") // through FLUSH_SCHEDULED
    private volatile boolean flushScheduled;

    /** Links in the server's {@link OpenSessions}. */
    HttpSession prevOpen;
    HttpSession nextOpen;

    HttpSession(ServerContext context, Connection connection) {
        this.context = context;
        this.connection = connection;
        this.secure = connection instanceof TlsConnection;
        this.reactor = connection.reactor();
        this.buffers = reactor.buffers();
        this.timers = reactor.timers();
        this.parser = new RequestHeadParser(context.limits);
        this.chunks = new ChunkedDecoder(context.limits);
    }

    Connection connection() {
        return connection;
    }

    /** The connection is TLS. */
    boolean secure() {
        return secure;
    }

    // ---------------------------------------------------------------- reactor callbacks

    @Override
    public void onOpen(Connection c) {
        context.sessions.add(this);
        idleSince = reactor.nanoTime();
        if (context.draining) {
            serverDraining();
            return;
        }
        armTimer();
    }

    @Override
    public void onReadable(Connection c) throws IOException {
        depth++;
        try {
            switch (state) {
                case AWAIT_HEAD -> readHeads();
                case IN_EXCHANGE, DRAIN_BODY -> {
                    if (bodyActive && !bodyStalled && !readingPaused) {
                        pumpBody();
                    } else {
                        pauseReading();
                    }
                }
                case LINGER -> discardLingering();
                default -> pauseReading();
            }
        } finally {
            leave();
        }
    }

    @Override
    public void onWritable(Connection c) throws IOException {
        writePending = false;
        depth++;
        try {
            flush();
        } finally {
            leave();
        }
    }

    @Override
    public void onClosed(Connection c, Throwable cause) {
        int was = state;
        state = CLOSED;
        context.sessions.remove(this);
        if (timerId != 0) {
            timers.cancel(timerId);
            timerId = 0;
        }
        releaseIn();
        if (was == IN_EXCHANGE) {
            IOException gone = new IOException("connection closed"
                    + (cause == null ? "" : ": " + cause), cause);
            exchange.response().fail(gone);
            exchange.requestBody().fail(gone);
            exchange.sessionDone();
        }
        if (cause != null && LOG.isDebugEnabled()) {
            LOG.debug("connection {} closed: {}", connection.remoteAddress(), cause.toString());
        }
    }

    @Override
    public void onTimeout(long id, long now) {
        if (id != timerId) {
            return;
        }
        timerId = 0;
        depth++;
        try {
            long deadline = deadline();
            if (deadline == TimerWheel.NO_DEADLINE) {
                return;
            }
            if (now < deadline) {
                armTimer();
            } else {
                timedOut(now);
            }
        } finally {
            leave();
        }
    }

    // ---------------------------------------------------------------- request heads

    private void readHeads() throws IOException {
        for (;;) {
            if (in != null && in.hasRemaining()) {
                if (!headStarted) {
                    headStarted = true;
                    headSince = reactor.nanoTime();
                }
                int result = parser.parse(in);
                if (result == RequestHeadParser.COMPLETE) {
                    dispatch(parser.head());
                    return;
                }
                if (result == RequestHeadParser.ERROR) {
                    refuse(parser.errorStatus(), parser.errorReason());
                    return;
                }
            }
            int n = fill();
            if (n > 0) {
                continue;
            }
            if (n == FULL) {
                if (!growForHead()) {
                    refuse(431, "request head larger than the read buffer");
                    return;
                }
                continue;
            }
            if (n < 0) {
                // The client is gone, perhaps half-way through a head: nobody to answer.
                connection.close();
                return;
            }
            releaseInIfEmpty();
            resumeReading();
            armTimer();
            return;
        }
    }

    private void dispatch(RequestHead parsed) {
        servedAny = true;
        if (exchange == null) {
            exchange = new HttpExchange(this, context);
        }
        exchange.begin(parsed);
        parser.reset(); // clears the parsed head: from here on, the exchange's copy
        releaseInIfEmpty(); // a connection with a request in the handler holds no read buffer
        RequestHead head = exchange.request();
        headStarted = false;
        state = IN_EXCHANGE;
        bodyActive = head.hasBody();
        bodyRemaining = head.chunked() ? -1 : head.contentLength();
        bodyStalled = false;
        if (bodyActive) {
            chunks.reset();
            exchange.requestBody().open(context.pipes.acquire());
            bodyActivity = reactor.nanoTime();
            if (!head.expectContinue()) {
                pumpBodySafely();
            }
        }
        if (!bodyActive || head.expectContinue()) {
            pauseReading();
        }
        try {
            context.handler.handle(exchange);
        } catch (Throwable t) {
            handlerFailed(t);
        }
    }

    private void handlerFailed(Throwable t) {
        LOG.error("handler failed on {} {}", exchange.request().methodName(), exchange.request().target(), t);
        if (state != IN_EXCHANGE) {
            return;
        }
        HttpResponse response = exchange.response();
        if (response.headCommitted() || response.isEnded()) {
            connection.close();
            return;
        }
        response.discardUncommitted();
        exchange.sessionDone();
        bodyActive = false;
        refuse(500, "handler failed");
    }

    // ---------------------------------------------------------------- request bodies

    /** Called from any thread when the handler first asks for the body. */
    void bodyDemanded() {
        if (reactor.inReactorThread()) {
            onBodyDemanded();
        } else {
            reactor.execute(demandTask);
        }
    }

    private void onBodyDemanded() {
        if (state != IN_EXCHANGE || !bodyActive) {
            return;
        }
        depth++;
        try {
            if (exchange.request().expectContinue() && !continueSent) {
                continueSent = true;
                // Only before any response byte: after it, the final answer has been given.
                if (!responseBytesSent && ownOutput == null) {
                    ownOutput = ByteBuffer.wrap(CONTINUE);
                    flushPending = true;
                }
                bodyActivity = reactor.nanoTime();
            }
            pumpBodySafely();
        } finally {
            leave();
        }
    }

    /** Called from any thread when the reader freed space in a pipe the session found full. */
    void resumeBody() {
        if (reactor.inReactorThread()) {
            onBodyResumed();
        } else {
            reactor.execute(resumeTask);
        }
    }

    private void onBodyResumed() {
        if (state != IN_EXCHANGE || !bodyActive || !bodyStalled) {
            return;
        }
        bodyStalled = false;
        bodyActivity = reactor.nanoTime();
        depth++;
        try {
            pumpBodySafely();
        } finally {
            leave();
        }
    }

    private void pumpBodySafely() {
        try {
            pumpBody();
        } catch (IOException e) {
            connection.close();
        }
    }

    /**
     * Moves body bytes from the read buffer (and the socket) into the body pipe until the body
     * ends, the pipe is full, or the socket has nothing more; when draining, drops them instead.
     */
    private void pumpBody() throws IOException {
        RequestBody body = exchange.requestBody();
        BytePipe pipe = state == DRAIN_BODY ? null : body.pipe();
        boolean published = false;
        try {
            for (;;) {
                if (in != null && in.hasRemaining()) {
                    int room = pipe == null ? Integer.MAX_VALUE : pipe.writable();
                    if (room == 0) {
                        body.markStalled();
                        if (body.unstallIfRoom()) {
                            continue;
                        }
                        bodyStalled = true;
                        pauseReading();
                        return;
                    }
                    if (bodyRemaining >= 0) {
                        int n = (int) Math.min(Math.min(bodyRemaining, in.remaining()), room);
                        if (pipe != null) {
                            pipe.stage(in, in.position(), n);
                            pipe.publish();
                            published = true;
                        }
                        in.position(in.position() + n);
                        bodyRemaining -= n;
                        if (bodyRemaining == 0) {
                            bodyFinished();
                            return;
                        }
                        continue;
                    }
                    int limit = in.limit();
                    in.limit(in.position() + Math.min(in.remaining(), room));
                    int result = chunks.decode(in);
                    in.limit(limit);
                    if (result == ChunkedDecoder.DATA) {
                        if (pipe != null) {
                            pipe.stage(in, chunks.dataStart(), chunks.dataEnd() - chunks.dataStart());
                            pipe.publish();
                            published = true;
                        }
                        continue;
                    }
                    if (result == ChunkedDecoder.DONE) {
                        bodyFinished();
                        return;
                    }
                    if (result == ChunkedDecoder.ERROR) {
                        bodyFailed(new IOException("malformed chunked body (" + chunks.errorStatus()
                                + "): " + chunks.errorReason()));
                        return;
                    }
                    if (in.hasRemaining()) {
                        continue;
                    }
                }
                int n = fill();
                if (n > 0) {
                    bodyActivity = reactor.nanoTime();
                    continue;
                }
                if (n == -1) {
                    bodyFailed(new EOFException("client closed the connection before the end of the body"));
                    return;
                }
                releaseInIfEmpty();
                resumeReading();
                armTimer();
                return;
            }
        } finally {
            if (published) {
                body.published();
            }
        }
    }

    private void bodyFinished() {
        bodyActive = false;
        pauseReading();
        if (state == DRAIN_BODY) {
            nextRequest();
        } else {
            exchange.requestBody().finish();
        }
    }

    private void bodyFailed(IOException cause) {
        bodyActive = false;
        closeAfterExchange = true;
        pauseReading();
        if (state == DRAIN_BODY) {
            connection.close();
        } else {
            exchange.requestBody().fail(cause);
        }
    }

    /**
     * Asked by the response at commit: may the connection carry another request? Not if the body
     * is unread and can't be drained cheaply (it was never asked for under 100-continue, it is
     * chunked, or it is large) or already failed.
     */
    boolean bodyAllowsKeepAlive() {
        RequestBody body = exchange.requestBody();
        if (body.pipe() == null || body.isComplete()) {
            return !closeAfterExchange;
        }
        RequestHead request = exchange.request();
        boolean unasked = request.expectContinue() && !body.isDemanded();
        return !unasked && !request.chunked()
                && request.contentLength() <= HttpResponse.DRAIN_MAX && !closeAfterExchange;
    }

    // ---------------------------------------------------------------- responses

    /** Called from any thread when the response has new bytes (or ended). */
    void requestFlush() {
        if (reactor.inReactorThread()) {
            flushPending = true;
            runPendingIfIdle();
        } else if (FLUSH_SCHEDULED.compareAndSet(this, false, true)) {
            reactor.execute(flushTask);
        }
    }

    private void flushFromTask() {
        flushScheduled = false;
        flushPending = true;
        runPendingIfIdle();
    }

    private void runPendingIfIdle() {
        if (depth == 0) {
            depth++;
            leave();
        }
    }

    /** Leaves a callback; the outermost one runs the flushes asked for meanwhile. */
    private void leave() {
        try {
            while (depth == 1 && flushPending && state != CLOSED) {
                flushPending = false;
                flush();
            }
        } catch (IOException e) {
            connection.close();
        } finally {
            depth--;
        }
    }

    private void flush() throws IOException {
        if (ownOutput != null) {
            connection.write(ownOutput);
            if (ownOutput.hasRemaining()) {
                awaitWritable();
                return;
            }
            ownOutput = null;
            if (state == CLOSING) {
                startLinger();
                return;
            }
        }
        if (state != IN_EXCHANGE) {
            return;
        }
        HttpResponse response = exchange.response();
        boolean ended = response.isEnded();
        BytePipe pipe = response.pipe();
        if (pipe != null) {
            for (int readable; (readable = pipe.readable()) > 0; ) {
                long written = pipe.writeTo(connection);
                if (written > 0) {
                    responseBytesSent = true;
                    writeActivity = reactor.nanoTime();
                    response.spaceFreed();
                }
                if (written < readable) {
                    awaitWritable();
                    return;
                }
            }
            if (!response.sendFile(connection)) {
                responseBytesSent = true;
                writeActivity = reactor.nanoTime();
                awaitWritable();
                return;
            }
        }
        if (ended) {
            exchangeDone(response.closeAfter());
        }
    }

    private void awaitWritable() {
        if (!writePending) {
            writePending = true;
            writeActivity = reactor.nanoTime();
            connection.requestWritable();
        }
        armTimer();
    }

    private void exchangeDone(boolean responseCloses) {
        exchange.sessionDone();
        if (responseCloses || closeAfterExchange || context.draining) {
            startLinger();
            return;
        }
        if (bodyActive) {
            state = DRAIN_BODY;
            bodyStalled = false;
            bodyActivity = reactor.nanoTime();
            pumpBodySafely();
            return;
        }
        nextRequest();
    }

    private void nextRequest() {
        state = AWAIT_HEAD;
        continueSent = false;
        responseBytesSent = false;
        closeAfterExchange = false;
        idleSince = reactor.nanoTime();
        resumeReading();
        if (in != null && in.hasRemaining()) {
            try {
                readHeads();
            } catch (IOException e) {
                connection.close();
            }
        } else {
            releaseInIfEmpty();
            armTimer();
        }
    }

    // ---------------------------------------------------------------- errors and closing

    /** Answers {@code status} on the session's own behalf and closes the connection after it. */
    private void refuse(int status, String reason) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("refusing request from {}: {} {}", connection.remoteAddress(), status, reason);
        }
        state = CLOSING;
        bodyActive = false;
        pauseReading();
        ownOutput = ByteBuffer.wrap(errorResponse(status));
        flushPending = true;
    }

    private byte[] errorResponse(int status) {
        String text = status + " " + StatusLines.reason(status) + "\n";
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 ").append(status).append(' ').append(StatusLines.reason(status)).append("\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n")
                .append("Content-Length: ").append(text.length()).append("\r\n")
                .append("Connection: close\r\n")
                .append(new String(HttpDate.fieldLine(), StandardCharsets.ISO_8859_1));
        if (context.serverField != null) {
            head.append(new String(context.serverField, StandardCharsets.ISO_8859_1));
        }
        return head.append("\r\n").append(text).toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Our output is complete: shut our side down and discard what the client still sends for a
     * moment, so the kernel does not answer unread bytes with a reset that could destroy the
     * response before the client reads it.
     */
    private void startLinger() {
        state = LINGER;
        if (connection.isInputShutdown()) {
            // The client already ended its side: nothing more can arrive to be reset over, and
            // read interest is gone, so lingering would only hold the socket for LINGER_NANOS.
            connection.close();
            return;
        }
        try {
            connection.shutdownOutput();
        } catch (IOException e) {
            connection.close();
            return;
        }
        lingerSince = reactor.nanoTime();
        lingerDiscarded = 0;
        resumeReading();
        armTimer();
    }

    private void discardLingering() throws IOException {
        if (in == null) {
            acquireIn();
        }
        for (;;) {
            in.clear();
            int n = connection.read(in);
            if (n < 0 || (lingerDiscarded += Math.max(n, 0)) > LINGER_BYTES) {
                connection.close();
                return;
            }
            if (n == 0) {
                in.flip();
                releaseInIfEmpty();
                return;
            }
        }
    }

    private void timedOut(long now) {
        switch (state) {
            case AWAIT_HEAD -> {
                if (headStarted) {
                    refuse(408, "request head not received in time");
                } else {
                    connection.close();
                }
            }
            case IN_EXCHANGE -> {
                if (writePending && now - writeActivity >= context.writeTimeoutNanos) {
                    LOG.debug("client {} stopped reading its response", connection.remoteAddress());
                    connection.close();
                } else {
                    bodyFailed(new SocketTimeoutException("request body not received in time"));
                }
            }
            default -> connection.close(); // DRAIN_BODY, CLOSING, LINGER
        }
    }

    // ---------------------------------------------------------------- timer

    /** When the timeout that applies in the current state expires, or NO_DEADLINE. */
    private long deadline() {
        long deadline = TimerWheel.NO_DEADLINE;
        switch (state) {
            case AWAIT_HEAD -> deadline = headStarted
                    ? headSince + context.headerTimeoutNanos
                    : idleSince + (!context.draining ? context.idleTimeoutNanos
                            : servedAny ? 0 : DRAIN_FIRST_REQUEST_NANOS);
            case IN_EXCHANGE -> {
                if (writePending) {
                    deadline = writeActivity + context.writeTimeoutNanos;
                }
                if (bodyActive && !bodyStalled && !readingPaused) {
                    deadline = Math.min(deadline, bodyActivity + context.bodyTimeoutNanos);
                }
            }
            case DRAIN_BODY -> deadline = bodyActivity + context.bodyTimeoutNanos;
            case CLOSING -> {
                if (writePending) {
                    deadline = writeActivity + context.writeTimeoutNanos;
                }
            }
            case LINGER -> deadline = lingerSince + LINGER_NANOS;
            default -> { }
        }
        return deadline;
    }

    /** Makes sure a timer fires no later than the current deadline (earlier is re-checked). */
    private void armTimer() {
        long deadline = deadline();
        if (deadline == TimerWheel.NO_DEADLINE || state == CLOSED) {
            return;
        }
        if (timerId != 0) {
            if (timerDeadline <= deadline) {
                return;
            }
            timers.cancel(timerId);
        }
        timerDeadline = deadline;
        timerId = timers.schedule(deadline, this);
    }

    /**
     * The server is stopping: an idle connection closes now, a busy one after its response. A
     * request that has already arrived but was not read yet is served first (with {@code
     * Connection: close}): the client sent it believing the connection open, and closing on it
     * would fail it.
     */
    void serverDraining() {
        if (state != AWAIT_HEAD || headStarted) {
            return;
        }
        try {
            readHeads();
        } catch (IOException e) {
            connection.close();
            return;
        }
        if (state == AWAIT_HEAD && !headStarted) {
            if (servedAny) {
                connection.close();
            } else {
                armTimer(); // a new connection: its first request gets a moment to arrive
            }
        }
    }

    // ---------------------------------------------------------------- read buffer

    /**
     * Reads into the free end of the read buffer, keeping unconsumed bytes.
     *
     * @return bytes read, 0, -1 at end of stream, or {@link #FULL}
     */
    private int fill() throws IOException {
        if (in == null) {
            acquireIn();
        } else if (in.limit() == in.capacity()) {
            if (in.position() == 0) {
                return FULL;
            }
            in.compact().flip();
        }
        int position = in.position();
        int limit = in.limit();
        in.position(limit).limit(in.capacity());
        int n;
        try {
            n = connection.read(in);
        } finally {
            in.limit(in.position()).position(position);
        }
        return n;
    }

    private void acquireIn() {
        in = buffers.acquire();
        in.flip();
        inPooled = true;
    }

    /** A head longer than the pooled buffer: move it to a larger one, up to the head limit. */
    private boolean growForHead() {
        int max = context.limits.headMax() + 2;
        if (in.capacity() >= max) {
            return false;
        }
        ByteBuffer larger = ByteBuffer.allocate((int) Math.min(max, 4L * in.capacity()));
        larger.put(in).flip();
        if (inPooled) {
            buffers.release(in);
        }
        in = larger;
        inPooled = false;
        return true;
    }

    private void releaseInIfEmpty() {
        if (in != null && !in.hasRemaining()) {
            releaseIn();
        }
    }

    private void releaseIn() {
        if (in != null) {
            if (inPooled) {
                buffers.release(in);
            }
            in = null;
        }
    }

    private void pauseReading() {
        if (!readingPaused) {
            readingPaused = true;
            connection.pauseReading();
        }
    }

    private void resumeReading() {
        if (readingPaused) {
            readingPaused = false;
            connection.resumeReading();
        }
    }

    // ---------------------------------------------------------------- for the exchange

    /** Runs a user callback on the reactor thread (now, if this is it). */
    void runOnReactor(Runnable callback) {
        if (reactor.inReactorThread()) {
            callback.run();
        } else {
            reactor.execute(callback);
        }
    }

    void checkMayBlock() {
        if (reactor.inReactorThread()) {
            throw new IllegalStateException(
                    "blocking call on the reactor thread; hand the exchange to another thread first");
        }
    }
}
