package org.yimmo.core.tls;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import org.yimmo.core.buffer.BufferPool;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.Reactor;

/**
 * A {@link Connection} that speaks TLS over another one, through the JDK's {@link SSLEngine}: the
 * protocol's handler reads and writes plaintext, this class moves records. It keeps the
 * Connection contract: {@code read} returns 0 or -1 (-1 after the peer's close_notify, or its end
 * of stream between records), writes may be partial, {@code requestWritable} is one-shot,
 * {@code shutdownOutput} sends close_notify, {@code transferFrom} reads the file into a buffer and
 * encrypts it (no sendfile under TLS).
 *
 * <p>Buffers: ciphertext in ({@code netIn}), plaintext the handler has not read yet
 * ({@code appIn}) and ciphertext not yet taken by the socket ({@code netOut}), each taken from
 * the reactor thread's pool of the context while it holds bytes and given back when empty, so an
 * idle keep-alive connection holds none. Plaintext is unwrapped straight into the handler's
 * buffer when it has room for the record, so {@code appIn} is rarely used.
 *
 * <p>Records the handler has not read are announced again (a task on the reactor) since the
 * socket will not say so: level-triggered reading is kept. Ciphertext left when the socket was
 * full is sent on the next writable event without the handler asking.
 *
 * <p>Threading: reactor thread only, except {@link #close()}, {@link #isOpen()} and the
 * addresses. A close on the reactor thread sends close_notify and what is still buffered first
 * (for at most {@link TlsDriver#CLOSE_FLUSH_NANOS}); a close from another thread is an abort.
 */
public final class TlsConnection implements Connection {

    private static final VarHandle CLOSED;
    private static final ByteBuffer[] NOTHING = {};

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(TlsConnection.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TlsContext context;
    final Connection raw;
    final SSLEngine engine;
    final Reactor reactor;
    final TlsDriver driver;
    private final BufferPool pool;
    private final ByteBuffer[] single = new ByteBuffer[1];

    /** Ciphertext received and not yet unwrapped (read mode); null when none. */
    ByteBuffer netIn;
    /** Plaintext unwrapped and not yet read by the handler (read mode); null when none. */
    ByteBuffer appIn;
    /** Ciphertext not yet written to the socket (read mode); null when none. */
    ByteBuffer netOut;

    /** The last unwrap wanted more bytes than netIn holds: netIn alone cannot make progress. */
    boolean underflow;
    boolean established;
    boolean taskRunning;
    boolean readingPaused;
    boolean writableWanted;
    boolean rawEof;
    /** The peer's close_notify came, or its end of stream between records. */
    boolean inboundDone;
    boolean eofReported;
    /** close_notify is queued (shutdownOutput or close). */
    boolean outputShut;
    /** The raw socket's output is to be shut once netOut is empty. */
    boolean rawShutdownPending;
    /** Close once netOut is empty (a close on the reactor thread with bytes still buffered). */
    boolean closeWhenFlushed;
    Throwable closeCause;
    @SuppressWarnings("unused") // through CLOSED
    private volatile boolean closed;

    TlsConnection(TlsContext context, Connection raw, ProtocolFactory protocol, long handshakeTimeoutNanos) {
        this.context = context;
        this.raw = raw;
        this.reactor = raw.reactor();
        this.pool = context.buffers();
        this.engine = context.newEngine(raw.remoteAddress());
        this.driver = new TlsDriver(this, protocol, handshakeTimeoutNanos);
    }

    TlsDriver driver() {
        return driver;
    }

    /** The negotiated protocol version ({@code TLSv1.3}), or null before the handshake completed. */
    public String protocol() {
        return established ? engine.getSession().getProtocol() : null;
    }

    /** The protocol chosen by ALPN ({@code http/1.1}), empty if none, or null before the handshake. */
    public String applicationProtocol() {
        return engine.getApplicationProtocol();
    }

    public String cipherSuite() {
        return established ? engine.getSession().getCipherSuite() : null;
    }

    // ---------------------------------------------------------------- Connection

    @Override
    public Reactor reactor() {
        return reactor;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (appIn != null) {
            return drainAppIn(dst);
        }
        if (!established || taskRunning || !dst.hasRemaining()) {
            return 0;
        }
        for (;;) {
            if (inboundDone) {
                eofReported = true;
                return -1;
            }
            if (netIn != null && netIn.hasRemaining() && !underflow) {
                int start = dst.position();
                SSLEngineResult result = engine.unwrap(netIn, dst);
                if (result.getStatus() == Status.BUFFER_OVERFLOW) {
                    result = unwrapToAppIn();
                }
                int produced = dst.position() - start + (appIn != null ? drainAppIn(dst) : 0);
                releaseNetInIfEmpty();
                switch (result.getStatus()) {
                    case CLOSED -> inboundDone = true;
                    case BUFFER_UNDERFLOW -> underflow = true;
                    default -> { }
                }
                if (needsService(result.getHandshakeStatus()) && !serviceEngine()) {
                    return produced;
                }
                if (produced > 0) {
                    return produced;
                }
                if (result.getStatus() == Status.OK && result.bytesConsumed() == 0) {
                    return 0; // the engine waits for something else (a task, the socket)
                }
                continue;
            }
            if (rawEof) {
                if (netIn != null && netIn.hasRemaining()) {
                    throw new SSLException("truncated TLS record: the peer closed the connection in the middle of one");
                }
                inboundDone = true; // end of stream without close_notify: HTTP framing tells truncation
                continue;
            }
            if (readRaw() == 0) {
                releaseNetInIfEmpty();
                return 0;
            }
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        single[0] = src;
        try {
            return (int) write(single, 0, 1);
        } finally {
            single[0] = null;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (outputShut) {
            throw new IOException("TLS output already shut down");
        }
        if (!established || taskRunning || !flush()) {
            return 0;
        }
        long consumed = 0;
        while (remaining(srcs, offset, length)) {
            SSLEngineResult result = wrap(srcs, offset, length);
            if (result == null) {
                break;
            }
            consumed += result.bytesConsumed();
            if (result.getStatus() == Status.CLOSED) {
                throw new SSLException("TLS output closed");
            }
            if ((needsService(result.getHandshakeStatus()) && !serviceEngine()) || !flush()) {
                break;
            }
        }
        if (netOut != null) {
            driver.awaitRawWritable();
        }
        return consumed;
    }

    /**
     * Under TLS the file is read into a pooled buffer and encrypted: sendfile would bypass the
     * record layer.
     */
    @Override
    public long transferFrom(FileChannel file, long position, long count) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (outputShut) {
            throw new IOException("TLS output already shut down");
        }
        if (!established || taskRunning || count <= 0 || !flush()) {
            return 0;
        }
        ByteBuffer chunk = pool.acquire();
        try {
            chunk.limit((int) Math.min(count, chunk.capacity()));
            int n = file.read(chunk, position);
            if (n <= 0) {
                return 0;
            }
            chunk.flip();
            return write(chunk);
        } finally {
            pool.release(chunk);
        }
    }

    @Override
    public void requestWritable() {
        writableWanted = true;
        if (!taskRunning) {
            driver.awaitRawWritable();
        }
    }

    @Override
    public void pauseReading() {
        readingPaused = true;
        driver.updateRawReading();
    }

    @Override
    public void resumeReading() {
        readingPaused = false;
        driver.updateRawReading();
        driver.announceBufferedInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (outputShut) {
            return;
        }
        if (!established) {
            raw.shutdownOutput();
            return;
        }
        rawShutdownPending = true;
        queueCloseNotify();
        driver.finishOutput();
    }

    /**
     * Closes; idempotent. On the reactor thread after the handshake: close_notify and buffered
     * ciphertext go out first (the handler still sees the connection closed at once).
     */
    @Override
    public void close() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        if (!reactor.inReactorThread() || !established || !raw.isOpen()) {
            raw.close();
            return;
        }
        try {
            queueCloseNotify();
            if (flush()) {
                raw.close();
                return;
            }
        } catch (IOException | RuntimeException e) {
            raw.close();
            return;
        }
        closeWhenFlushed = true;
        driver.closeAfterFlush();
    }

    @Override
    public boolean isOpen() {
        return !closed && raw.isOpen();
    }

    @Override
    public boolean isInputShutdown() {
        return eofReported;
    }

    @Override
    public SocketAddress remoteAddress() {
        return raw.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return raw.localAddress();
    }

    @Override
    public String toString() {
        return "TLS " + raw;
    }

    // ---------------------------------------------------------------- engine plumbing (driver's too)

    boolean isClosed() {
        return closed;
    }

    /** Plaintext or records the handler has not seen, or an end of stream not yet reported. */
    boolean hasBufferedInput() {
        return appIn != null || (netIn != null && netIn.hasRemaining() && !underflow)
                || (!eofReported && (inboundDone || rawEof));
    }

    /**
     * Appends what the socket has to netIn.
     *
     * @return bytes read, 0, or -1 at end of stream ({@link #rawEof} set)
     */
    int readRaw() throws IOException {
        if (netIn == null) {
            netIn = pool.acquire();
            netIn.flip();
        } else if (netIn.limit() == netIn.capacity()) {
            if (netIn.position() == 0) {
                grow();
            } else {
                netIn.compact().flip();
            }
        }
        int position = netIn.position();
        netIn.position(netIn.limit()).limit(netIn.capacity());
        int n;
        try {
            n = raw.read(netIn);
        } finally {
            netIn.limit(netIn.position()).position(position);
        }
        if (n > 0) {
            underflow = false;
        } else if (n < 0) {
            rawEof = true;
        }
        return n;
    }

    /** A record larger than the pooled buffer (the peer negotiated large fragments). */
    private void grow() throws SSLException {
        int needed = engine.getSession().getPacketBufferSize();
        if (needed <= netIn.capacity()) {
            throw new SSLException("TLS record larger than " + netIn.capacity() + " bytes");
        }
        ByteBuffer larger = ByteBuffer.allocateDirect(needed);
        larger.put(netIn).flip();
        release(netIn);
        netIn = larger;
    }

    SSLEngineResult unwrapToAppIn() throws SSLException {
        ByteBuffer target = appIn;
        if (target == null) {
            target = pool.acquire();
        } else {
            target.compact();
        }
        int needed = engine.getSession().getApplicationBufferSize();
        if (target.remaining() < needed && target.position() == 0) {
            release(target);
            target = ByteBuffer.allocateDirect(needed);
        }
        SSLEngineResult result;
        try {
            result = engine.unwrap(netIn, target);
        } finally {
            target.flip();
            appIn = target;
        }
        releaseAppInIfEmpty();
        return result;
    }

    private int drainAppIn(ByteBuffer dst) {
        int n = Math.min(appIn.remaining(), dst.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n);
        dst.position(dst.position() + n);
        appIn.position(appIn.position() + n);
        releaseAppInIfEmpty();
        return n;
    }

    /**
     * Wraps into netOut; null when netOut has no room left (flush first). A full netOut of an
     * empty buffer grows (the engine asked for more than a pooled buffer).
     */
    SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length) throws SSLException {
        if (netOut == null) {
            netOut = pool.acquire();
        } else {
            netOut.compact();
        }
        SSLEngineResult result;
        try {
            result = engine.wrap(srcs, offset, length, netOut);
        } finally {
            netOut.flip();
        }
        if (result.getStatus() == Status.BUFFER_OVERFLOW) {
            if (netOut.hasRemaining()) {
                return null;
            }
            release(netOut);
            netOut = ByteBuffer.allocateDirect(2 * engine.getSession().getPacketBufferSize());
            return wrap(srcs, offset, length);
        }
        if (!netOut.hasRemaining()) {
            release(netOut);
            netOut = null;
        }
        return result;
    }

    /** Writes netOut to the socket; true when it is empty. */
    boolean flush() throws IOException {
        if (netOut == null) {
            return true;
        }
        raw.write(netOut);
        if (netOut.hasRemaining()) {
            return false;
        }
        release(netOut);
        netOut = null;
        return true;
    }

    static boolean needsService(HandshakeStatus status) {
        return status == HandshakeStatus.NEED_TASK || status == HandshakeStatus.NEED_WRAP;
    }

    /**
     * Does what the engine asks short of reading: runs its tasks, wraps handshake (or alert,
     * key update, close_notify) records into netOut.
     *
     * @return false when it has to wait: a task runs elsewhere, or the socket is full
     */
    boolean serviceEngine() throws IOException {
        for (;;) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> {
                    if (!runTasks()) {
                        return false;
                    }
                }
                case NEED_WRAP -> {
                    SSLEngineResult result = wrap(NOTHING, 0, 0);
                    if (result == null && !flush()) {
                        driver.awaitRawWritable();
                        return false;
                    }
                    if (result != null && result.bytesProduced() == 0 && result.bytesConsumed() == 0) {
                        return true; // nothing to wrap after all (closed): never spin
                    }
                }
                default -> {
                    return true;
                }
            }
        }
    }

    /** Runs delegated tasks: inline (true), or on the context's executor (false; the driver resumes). */
    private boolean runTasks() {
        Executor executor = context.delegatedTasks();
        if (executor == null) {
            for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                task.run();
            }
            return true;
        }
        taskRunning = true;
        driver.updateRawReading();
        try {
            executor.execute(() -> {
                Throwable failure = null;
                try {
                    for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                        task.run();
                    }
                } catch (Throwable t) {
                    failure = t;
                }
                Throwable result = failure;
                reactor.execute(() -> driver.tasksDone(result));
            });
        } catch (RejectedExecutionException e) {
            taskRunning = false;
            for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                task.run();
            }
            return true;
        }
        return false;
    }

    /** close_notify into netOut (best effort if the socket is full: the rest goes on writable). */
    void queueCloseNotify() throws IOException {
        if (!outputShut) {
            outputShut = true;
            engine.closeOutbound();
        }
        while (!engine.isOutboundDone()) {
            SSLEngineResult result = wrap(NOTHING, 0, 0);
            if (result == null) {
                if (!flush()) {
                    return;
                }
            } else if (result.bytesProduced() == 0) {
                return;
            }
        }
    }

    void releaseNetInIfEmpty() {
        if (netIn != null && !netIn.hasRemaining()) {
            release(netIn);
            netIn = null;
            underflow = false;
        }
    }

    private void releaseAppInIfEmpty() {
        if (appIn != null && !appIn.hasRemaining()) {
            release(appIn);
            appIn = null;
        }
    }

    /**
     * Gives every buffer back, and the engine's native resources if it has any; reactor thread,
     * once the socket is closed.
     */
    void releaseAll() {
        if (engine instanceof AutoCloseable resources) {
            try {
                resources.close();
            } catch (Exception e) {
                closeCause = closeCause != null ? closeCause : e;
            }
        }
        release(netIn);
        release(appIn);
        release(netOut);
        netIn = null;
        appIn = null;
        netOut = null;
    }

    private void release(ByteBuffer buffer) {
        if (buffer != null && buffer.isDirect() && buffer.capacity() == pool.bufferSize()) {
            pool.release(buffer);
        }
    }

    void markClosed() {
        closed = true;
    }

    private static boolean remaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
