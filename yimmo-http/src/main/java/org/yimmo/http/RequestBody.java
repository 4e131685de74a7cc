package org.yimmo.http;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The request body, streamed: the reactor decodes it (Content-Length or chunked) into a bounded
 * pipe and the handler reads it from any thread. When the pipe is full the reactor stops reading
 * the socket until the handler has taken some, so a fast uploader costs no more than the pipe.
 *
 * <p>Nothing is read from the socket for an {@code Expect: 100-continue} request until the
 * handler first asks for the body ({@link #read}, {@link #readBlocking}, {@link #whenReadable});
 * the {@code 100 Continue} goes out then, unless the response has already begun.
 *
 * <p>One reader thread at a time. A body that fails (the client went away, stalled past the body
 * timeout, or sent a malformed chunk) throws from the next read, after the bytes that did arrive.
 */
public final class RequestBody {

    private static final VarHandle STALLED;
    private static final Runnable NO_HOOK = () -> { };

    static {
        try {
            STALLED = MethodHandles.lookup().findVarHandle(RequestBody.class, "stalled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final HttpExchange exchange;
    private final HttpSession session;
    private final Waiter dataWaiter = new Waiter();
    private final Waiter.Condition readableOrOver = this::readableOrOver;

    /** Null when the request has no body. Written by the session before the handler runs. */
    private volatile BytePipe pipe;
    /** Every body byte has been published to the pipe. */
    private volatile boolean complete;
    private volatile IOException failure;
    private volatile boolean demanded;
    /** The session stopped reading because the pipe was full; the reader restarts it. */
    @SuppressWarnings("unused") // through STALLED
    private volatile boolean stalled;

    RequestBody(HttpExchange exchange, HttpSession session) {
        this.exchange = exchange;
        this.session = session;
    }

    /** Content-Length, 0 without a body, or -1 for a chunked body. */
    public long contentLength() {
        if (exchange.request().chunked()) {
            return -1;
        }
        return Math.max(0, exchange.request().contentLength());
    }

    /**
     * Moves body bytes into {@code dst} without waiting.
     *
     * @return the count, 0 if none has arrived yet (see {@link #whenReadable}), -1 at the end
     * @throws IOException if the body failed
     */
    public int read(ByteBuffer dst) throws IOException {
        BytePipe current = pipe;
        if (current == null) {
            return -1;
        }
        demand();
        int n = current.read(dst);
        if (n == 0 && dst.hasRemaining()) {
            IOException failed = failure;
            if (failed != null) {
                throw new IOException(failed.getMessage(), failed);
            }
            if (!complete) {
                return 0;
            }
            // Bytes published just before the completion are visible now.
            n = current.read(dst);
            if (n == 0) {
                return -1;
            }
        }
        if (n > 0 && stalled && STALLED.compareAndSet(this, true, false)) {
            session.resumeBody();
        }
        return n;
    }

    /** {@link #read} that waits for at least one byte or the end; never on the reactor thread. */
    public int readBlocking(ByteBuffer dst) throws IOException {
        return readBlocking(dst, NO_HOOK, NO_HOOK);
    }

    /**
     * {@link #readBlocking(ByteBuffer)} running {@code beforePark} / {@code afterWake} around each
     * wait (to release and retake a lock such as Python's GIL).
     */
    public int readBlocking(ByteBuffer dst, Runnable beforePark, Runnable afterWake)
            throws IOException {
        session.checkMayBlock();
        for (;;) {
            int n = read(dst);
            if (n != 0 || !dst.hasRemaining()) {
                return n;
            }
            dataWaiter.await(readableOrOver, beforePark, afterWake);
        }
    }

    /**
     * Runs {@code callback} once, on the reactor thread, when bytes, the end or a failure can be
     * read; at once (on the reactor) if they already can. Asks for the body like a read does.
     */
    public void whenReadable(Runnable callback) {
        if (pipe == null) {
            session.runOnReactor(callback);
            return;
        }
        demand();
        dataWaiter.register(callback);
        if (readableOrOver() && dataWaiter.take(callback) != null) {
            session.runOnReactor(callback);
        }
    }

    /** The whole body as a blocking stream, for code that wants one; allocates the stream. */
    public InputStream asInputStream() {
        return new InputStream() {
            private final ByteBuffer one = ByteBuffer.allocate(1);

            @Override
            public int read() throws IOException {
                one.clear();
                return readBlocking(one) < 0 ? -1 : one.get(0) & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : readBlocking(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    private boolean readableOrOver() {
        BytePipe current = pipe;
        return current == null || current.readable() > 0 || complete || failure != null;
    }

    private void demand() {
        if (!demanded) {
            demanded = true;
            session.bodyDemanded();
        }
    }

    // ---------------------------------------------------------------- session side

    void reset() {
        pipe = null;
        complete = false;
        failure = null;
        demanded = false;
        stalled = false;
    }

    /** A body follows the head: its bytes go into {@code bodyPipe}. */
    void open(BytePipe bodyPipe) {
        pipe = bodyPipe;
    }

    BytePipe pipe() {
        return pipe;
    }

    boolean isDemanded() {
        return demanded;
    }

    boolean isComplete() {
        return complete;
    }

    /** New bytes are in the pipe. */
    void published() {
        dataWaiter.signal();
    }

    /** The last byte is in the pipe. */
    void finish() {
        complete = true;
        dataWaiter.signal();
    }

    void fail(IOException cause) {
        if (failure == null && !complete) {
            failure = cause;
        }
        dataWaiter.signal();
    }

    /** The pipe is full: the session waits for the reader. */
    void markStalled() {
        stalled = true;
    }

    /** Whether the pipe has room again although the session marked it stalled (a race). */
    boolean unstallIfRoom() {
        BytePipe current = pipe;
        return current != null && current.writable() > 0 && STALLED.compareAndSet(this, true, false);
    }

    void releasePipe(PipePool pool) {
        BytePipe current = pipe;
        if (current != null) {
            pipe = null;
            pool.release(current);
        }
    }
}
