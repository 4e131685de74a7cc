package org.yimmo.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.yimmo.core.net.Connection;
import org.yimmo.http.parser.HttpMethod;
import org.yimmo.http.parser.RequestHead;

/**
 * The response of an exchange, written from any one thread at a time: {@link #start} the status,
 * add {@link #header headers}, then {@link #write} the body and {@link #end()}. Bytes go into a
 * bounded pipe that the reactor drains to the socket; the pipe's size is the high-water mark, so
 * a client that does not read costs the server no more than that: a non-blocking
 * {@link #write} takes what fits and {@link #whenWritable} says when more will, and
 * {@link #writeFully} waits.
 *
 * <p>The head is committed with the first body bytes (or the end), as PEP 3333 asks. Framing is
 * the server's: with {@link #contentLength} the body is sent as is (and must be that long);
 * without it, an HTTP/1.1 body is chunked and an HTTP/1.0 one ends when the connection closes. A
 * response that ends before anything was written gets {@code Content-Length: 0}. HEAD responses,
 * 1xx, 204 and 304 carry no body: what is written is dropped. {@code Date} and {@code Server} are
 * added unless given; {@code Connection} is decided by the server ({@code Connection: close} from
 * the handler is honoured); {@code Transfer-Encoding} may not be set.
 */
public final class HttpResponse {

    private static final Runnable NO_HOOK = () -> { };
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};
    private static final byte[] CONTENT_LENGTH = bytes("Content-Length: ");
    private static final byte[] CHUNKED = bytes("Transfer-Encoding: chunked\r\n");
    private static final byte[] CLOSE = bytes("Connection: close\r\n");
    private static final byte[] KEEP_ALIVE = bytes("Connection: keep-alive\r\n");
    /** A chunk's size line and CRLFs around its data: 16 hex digits at most, CRLF, CRLF. */
    private static final int CHUNK_FRAMING = 16 + 2 + 2;
    /**
     * Room kept free while headers are staged, for what the commit adds: Content-Length or
     * Transfer-Encoding, Connection, Date, the empty line, and the last chunk.
     */
    private static final int COMMIT_RESERVE = 36 + 28 + 24 + 37 + 2 + LAST_CHUNK.length;
    /** Request bodies still unread at the end of a response are drained up to this, else the connection closes. */
    static final long DRAIN_MAX = 256 * 1024;

    private final HttpExchange exchange;
    private final HttpSession session;
    private final ServerContext context;
    private final Waiter spaceWaiter = new Waiter();
    private final Waiter.Condition roomOrFailed = this::roomOrFailed;
    private final Waiter.Condition drainedOrFailed = this::drainedOrFailed;

    // Producer side (the thread writing the response).
    private int status;
    private boolean started;
    private boolean committed;
    private boolean chunked;
    private boolean noBody;
    private boolean closeRequested;
    private boolean dateGiven;
    private boolean serverGiven;
    private long contentLength;
    private long bodyWritten;
    /** Bytes a blocked writer waits for; read by {@link #roomOrFailed}. */
    private int wanted;

    // Shared with the session.
    private volatile BytePipe pipe;
    private volatile boolean ended;
    /** The connection must close after this response; set before {@link #ended}. */
    private volatile boolean closeAfter;
    private volatile boolean headCommitted;
    private volatile IOException failure;
    /** A file region the session sends once the pipe is empty; null when none is pending. */
    private volatile FileChannel file;
    private long filePosition;
    private long fileRemaining;

    HttpResponse(HttpExchange exchange, HttpSession session, ServerContext context) {
        this.exchange = exchange;
        this.session = session;
        this.context = context;
    }

    /** Starts the response with {@code status} (200-599) and its standard reason phrase. */
    public HttpResponse start(int status) {
        return start(status, StatusLines.of(status));
    }

    /**
     * Starts the response with {@code status} and {@code reason} (ISO-8859-1 text without control
     * characters but HTAB). The standard reason costs nothing; another makes its status line.
     */
    public HttpResponse start(int status, CharSequence reason) {
        StatusLines.check(status);
        HeaderSyntax.checkValue("reason phrase", reason);
        String standard = StatusLines.reason(status);
        return start(status, standard.contentEquals(reason)
                ? StatusLines.of(status) : StatusLines.line(status, reason.toString()));
    }

    private HttpResponse start(int code, byte[] statusLine) {
        if (started) {
            throw new IllegalStateException("response already started with " + status);
        }
        if (code < 200) {
            throw new IllegalArgumentException("interim (1xx) responses are sent by the server: " + code);
        }
        BytePipe p = pipe != null ? pipe : context.pipes.acquire(); // one left by resetIfUncommitted
        status = code;
        started = true;
        noBody = code == 204 || code == 304 || exchange.request().method() == HttpMethod.HEAD;
        p.stage(statusLine, 0, statusLine.length);
        pipe = p;
        return this;
    }

    /**
     * Adds a header field. {@code Content-Length} is taken as {@link #contentLength};
     * {@code Connection: close} asks to close the connection after this response (other
     * Connection values are the server's business and dropped); {@code Transfer-Encoding} is
     * refused.
     *
     * @throws IllegalArgumentException if the name is not a token, the value holds CR, LF or
     *     another control character or a char above 255
     * @throws IllegalStateException before {@link #start}, after the head is committed, or when
     *     the head outgrows the response buffer
     */
    public HttpResponse header(CharSequence name, CharSequence value) {
        if (!started || committed) {
            throw new IllegalStateException(started ? "response head already sent" : "response not started");
        }
        HeaderSyntax.checkName(name);
        HeaderSyntax.checkValue(name, value);
        if (HeaderSyntax.equalsIgnoreCase(name, "content-length")) {
            return contentLength(HeaderSyntax.parseLength(value));
        }
        if (HeaderSyntax.equalsIgnoreCase(name, "transfer-encoding")) {
            throw new IllegalArgumentException("Transfer-Encoding is the server's to set (it chunks when no length is given)");
        }
        if (HeaderSyntax.equalsIgnoreCase(name, "connection")) {
            closeRequested |= HeaderSyntax.listsClose(value);
            return this;
        }
        dateGiven |= HeaderSyntax.equalsIgnoreCase(name, "date");
        serverGiven |= HeaderSyntax.equalsIgnoreCase(name, "server");
        BytePipe p = pipe;
        int room = p.writable() - COMMIT_RESERVE - serverFieldLength();
        if (name.length() + value.length() + 4 > room) {
            throw new IllegalStateException("response head larger than the "
                    + p.capacity() + "-byte response buffer");
        }
        p.stageLatin1(name);
        p.stage((byte) ':');
        p.stage((byte) ' ');
        p.stageLatin1(value);
        p.stage(CRLF, 0, 2);
        return this;
    }

    /** Declares the body's length: it is sent as is, and must be exactly that long. */
    public HttpResponse contentLength(long length) {
        if (!started || committed) {
            throw new IllegalStateException(started ? "response head already sent" : "response not started");
        }
        if (length < 0) {
            throw new IllegalArgumentException("Content-Length must not be negative: " + length);
        }
        contentLength = length;
        return this;
    }

    /**
     * Takes as much of {@code src} as the response buffer holds now, without waiting; commits the
     * head first if needed. An empty {@code src} changes nothing.
     *
     * @return the count taken; 0 when the buffer is full ({@link #whenWritable})
     * @throws IOException if the connection is gone
     * @throws IllegalStateException before {@link #start}, after {@link #end()}, or past the
     *     declared Content-Length
     */
    public int write(ByteBuffer src) throws IOException {
        checkWritable();
        int length = src.remaining();
        if (length == 0) {
            return 0;
        }
        if (contentLength >= 0 && bodyWritten + length > contentLength && !noBody) {
            throw new IllegalStateException("response body longer than its Content-Length "
                    + contentLength);
        }
        BytePipe p = pipe;
        if (!committed) {
            commit(false);
        }
        int taken;
        if (noBody) {
            src.position(src.limit());
            taken = length;
        } else if (chunked) {
            taken = Math.min(length, p.writable() - CHUNK_FRAMING - LAST_CHUNK.length);
            if (taken > 0) {
                p.stageHex(taken);
                p.stage(CRLF, 0, 2);
                p.stage(src, taken);
                p.stage(CRLF, 0, 2);
            } else {
                taken = 0;
            }
        } else {
            taken = p.stage(src, length);
        }
        bodyWritten += taken;
        if (p.staged() > 0) {
            p.publish();
            session.requestFlush();
        }
        return taken;
    }

    /** Writes all of {@code src}, waiting while the buffer is full; never on the reactor thread. */
    public void writeFully(ByteBuffer src) throws IOException {
        writeFully(src, NO_HOOK, NO_HOOK);
    }

    /**
     * {@link #writeFully(ByteBuffer)} running {@code beforePark} / {@code afterWake} around each
     * wait (to release and retake a lock such as Python's GIL).
     */
    public void writeFully(ByteBuffer src, Runnable beforePark, Runnable afterWake)
            throws IOException {
        session.checkMayBlock();
        while (src.hasRemaining()) {
            if (write(src) == 0) {
                // Wake for a useful amount, not for every byte the socket takes.
                wanted = Math.min(src.remaining(), pipe.capacity() / 4)
                        + (chunked ? CHUNK_FRAMING + LAST_CHUNK.length : 0);
                spaceWaiter.await(roomOrFailed, beforePark, afterWake);
                checkUsable();
            }
        }
    }

    /**
     * Sends {@code count} bytes of {@code channel} from {@code position} as body bytes, handing
     * the file to the connection so that the kernel copies it to the socket (sendfile) instead of
     * the bytes passing through the JVM. Waits until they are sent, running the hooks around each
     * wait; never on the reactor thread. The file must hold the bytes; its own position is not
     * used or changed.
     *
     * @throws IOException if the connection is gone or the file cannot be read
     */
    public void transferFile(FileChannel channel, long position, long count, Runnable beforePark,
            Runnable afterWake) throws IOException {
        session.checkMayBlock();
        checkWritable();
        if (count <= 0) {
            return;
        }
        if (contentLength >= 0 && bodyWritten + count > contentLength && !noBody) {
            throw new IllegalStateException("response body longer than its Content-Length " + contentLength);
        }
        BytePipe p = pipe;
        if (!committed) {
            commit(false);
        }
        if (noBody) {
            bodyWritten += count;
            publishAndFlush(p);
            return;
        }
        if (chunked) {
            wanted = CHUNK_FRAMING;
            spaceWaiter.await(roomOrFailed, beforePark, afterWake);
            checkUsable();
            p.stageHex(count);
            p.stage(CRLF, 0, 2);
        }
        publishAndFlush(p);
        // The file's bytes must follow what the pipe holds: wait until the session sent it all.
        spaceWaiter.await(drainedOrFailed, beforePark, afterWake);
        checkUsable();
        filePosition = position;
        fileRemaining = count;
        file = channel; // published last: the session reads the region after seeing it
        session.requestFlush();
        spaceWaiter.await(drainedOrFailed, beforePark, afterWake);
        checkUsable();
        bodyWritten += count;
        if (chunked) {
            p.stage(CRLF, 0, 2); // goes out with the next write or the end
        }
    }

    private void publishAndFlush(BytePipe p) {
        if (p.staged() > 0) {
            p.publish();
            session.requestFlush();
        }
    }

    /**
     * Runs {@code callback} once, on the reactor thread, when the response buffer has room again
     * (or the connection is gone: the next write then throws); at once (on the reactor) if it has
     * room now.
     */
    public void whenWritable(Runnable callback) {
        wanted = chunked ? CHUNK_FRAMING + LAST_CHUNK.length + 1 : 1;
        spaceWaiter.register(callback);
        if (roomOrFailed() && spaceWaiter.take(callback) != null) {
            session.runOnReactor(callback);
        }
    }

    /**
     * Finishes the response: commits the head if it is not yet, ends a chunked body, and hands the
     * exchange back to the server. Never waits. Call it in every case, in a {@code finally}, also
     * after a write failed: it is what gives the exchange's buffers back. Starts a 200 if nothing was started. Quietly does
     * nothing more if the connection is already gone. A body shorter than its Content-Length
     * closes the connection after it (the client sees the truncation).
     */
    public void end() {
        if (ended) {
            return;
        }
        if (failure == null) {
            if (!started) {
                start(200);
            }
            BytePipe p = pipe;
            if (!committed) {
                commit(true);
            }
            if (chunked) {
                p.stage(LAST_CHUNK, 0, LAST_CHUNK.length);
            } else if (!noBody && bodyWritten < contentLength) {
                closeAfter = true;
            }
            p.publish();
        }
        // producerDone before ended: once the session sees ended it may finish the exchange and
        // begin() the next pipelined request (resetting the done bits); a producerDone landing
        // after that would mark the new exchange's producer done and leak this one's pipes.
        exchange.producerDone();
        ended = true;
        session.requestFlush();
    }

    /**
     * A whole response at once, without waiting: status, {@code Content-Type}, Content-Length and
     * body, then {@link #end()}. A body larger than the free buffer is finished from the reactor
     * thread as the client reads. Any thread.
     */
    public void send(int status, String contentType, ByteBuffer body) throws IOException {
        start(status);
        if (contentType != null) {
            header("Content-Type", contentType);
        }
        contentLength(body.remaining());
        write(body);
        if (!body.hasRemaining()) {
            end();
            return;
        }
        whenWritable(new Runnable() {
            @Override
            public void run() {
                try {
                    write(body);
                    if (body.hasRemaining()) {
                        whenWritable(this);
                    } else {
                        end();
                    }
                } catch (IOException e) {
                    end();
                }
            }
        });
    }

    /** The declared Content-Length, or -1 when none was given (chunked or close-delimited). */
    public long contentLength() {
        return contentLength;
    }

    /**
     * Whether body bytes reach the client: false for a HEAD request and for 204 and 304, whose
     * bodies {@link #write} drops. Meaningful once started.
     */
    public boolean sendsBody() {
        return !noBody;
    }

    /**
     * Takes back a started response whose head is not committed yet (status, headers, length),
     * so that another can be started in its place: an error response instead of one that turned
     * out to be wrong before any byte went out.
     *
     * @return false when the head is already committed or the response ended: nothing can be
     *     taken back then
     */
    public boolean resetIfUncommitted() {
        if (committed || ended) {
            return false;
        }
        BytePipe p = pipe;
        if (p != null) {
            p.unstage(); // start() reuses the pipe
        }
        status = 0;
        started = false;
        chunked = false;
        noBody = false;
        closeRequested = false;
        dateGiven = false;
        serverGiven = false;
        contentLength = -1;
        bodyWritten = 0;
        return true;
    }

    /** Whether the head has been committed (handed to the connection). */
    public boolean isCommitted() {
        return committed;
    }

    /** The status given to {@link #start}, or 0 before the response is started. */
    public int status() {
        return status;
    }

    /** Body bytes taken so far (before chunk framing). */
    public long bytesWritten() {
        return bodyWritten;
    }

    private void commit(boolean ending) {
        BytePipe p = pipe;
        RequestHead request = exchange.request();
        boolean keepAlive = request.keepAlive() && !closeRequested && !context.draining
                && session.bodyAllowsKeepAlive();
        if (noBody) {
            if (contentLength >= 0 && status != 204) {
                stageContentLength(p, contentLength);
            }
        } else if (contentLength >= 0) {
            stageContentLength(p, contentLength);
        } else if (ending) {
            contentLength = 0;
            stageContentLength(p, 0);
        } else if (request.version() == 11) {
            chunked = true;
            p.stage(CHUNKED, 0, CHUNKED.length);
        } else {
            keepAlive = false; // HTTP/1.0 without a length: the body ends with the connection
        }
        if (!keepAlive) {
            p.stage(CLOSE, 0, CLOSE.length);
            closeAfter = true;
        } else if (request.version() == 10) {
            p.stage(KEEP_ALIVE, 0, KEEP_ALIVE.length);
        }
        if (!dateGiven) {
            byte[] date = HttpDate.fieldLine();
            p.stage(date, 0, date.length);
        }
        byte[] server = context.serverField;
        if (server != null && !serverGiven) {
            p.stage(server, 0, server.length);
        }
        p.stage(CRLF, 0, 2);
        committed = true;
        headCommitted = true;
    }

    private static void stageContentLength(BytePipe p, long length) {
        p.stage(CONTENT_LENGTH, 0, CONTENT_LENGTH.length);
        p.stageDecimal(length);
        p.stage(CRLF, 0, 2);
    }

    private int serverFieldLength() {
        return context.serverField == null ? 0 : context.serverField.length;
    }

    private void checkWritable() throws IOException {
        if (!started) {
            throw new IllegalStateException("response not started");
        }
        if (ended) {
            throw new IllegalStateException("response already ended");
        }
        checkUsable();
    }

    private void checkUsable() throws IOException {
        IOException failed = failure;
        if (failed != null) {
            throw new IOException(failed.getMessage(), failed);
        }
    }

    private boolean drainedOrFailed() {
        BytePipe p = pipe;
        return failure != null || p == null || (p.readable() == 0 && file == null);
    }

    private boolean roomOrFailed() {
        BytePipe p = pipe;
        return failure != null || p == null || p.writable() >= Math.min(wanted, p.capacity() / 2);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- session side

    void reset() {
        file = null;
        status = 0;
        started = false;
        committed = false;
        chunked = false;
        noBody = false;
        closeRequested = false;
        dateGiven = false;
        serverGiven = false;
        contentLength = -1;
        bodyWritten = 0;
        wanted = 0;
        pipe = null;
        ended = false;
        closeAfter = false;
        headCommitted = false;
        failure = null;
    }

    BytePipe pipe() {
        return pipe;
    }

    boolean isEnded() {
        return ended;
    }

    boolean closeAfter() {
        return closeAfter;
    }

    /** Whether the head is committed, as the session sees it. */
    boolean headCommitted() {
        return headCommitted;
    }

    /**
     * Session: sends the pending file region, if any, once the pipe is empty.
     *
     * @return true when no file region is left to send (none, or all of it went out)
     */
    boolean sendFile(Connection connection) throws IOException {
        FileChannel channel = file;
        if (channel == null) {
            return true;
        }
        while (fileRemaining > 0) {
            long sent = connection.transferFrom(channel, filePosition, fileRemaining);
            if (sent <= 0) {
                if (filePosition >= channel.size()) {
                    throw new IOException("file ended " + fileRemaining + " bytes early");
                }
                return false;
            }
            filePosition += sent;
            fileRemaining -= sent;
        }
        file = null;
        spaceWaiter.signal();
        return true;
    }

    /** The session wrote some of the pipe to the socket: a blocked writer may go on. */
    void spaceFreed() {
        spaceWaiter.signal();
    }

    /** The connection is gone: writes throw, waiting writers wake. */
    void fail(IOException cause) {
        if (failure == null) {
            failure = cause;
        }
        spaceWaiter.signal();
    }

    /**
     * The handler gave up before committing (it threw on the reactor thread): drop what it staged
     * so the session can answer in its place.
     */
    void discardUncommitted() {
        BytePipe p = pipe;
        if (p != null) {
            p.unstage();
        }
        ended = true;
        exchange.producerDone();
    }

    /** {@link HttpExchange#abort()}: the response counts as ended, nothing more is sent. */
    void abandon() {
        if (failure == null) {
            failure = new IOException("exchange aborted");
        }
        if (!ended) {
            closeAfter = true;
            exchange.producerDone(); // before ended, as in end()
            ended = true;
        }
    }

    void releasePipe(PipePool pool) {
        BytePipe current = pipe;
        if (current != null) {
            pipe = null;
            pool.release(current);
        }
    }
}
