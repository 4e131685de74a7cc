package org.yimmo.tls.openssl;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import org.yimmo.posix.NativeMemory;

/**
 * The server side of one TLS connection on a libssl {@code SSL*} (OpenSSL or BoringSSL: the API
 * this class uses is the same) with two memory BIOs:
 * {@link #unwrap} writes exactly one whole record into the read BIO and runs the handshake or
 * {@code SSL_read} on it; {@link #wrap} moves what OpenSSL queued in the write BIO (handshake
 * flights, tickets, alerts, close_notify) into the caller's buffer, or seals up to one record of
 * plaintext with {@code SSL_write}. Record at a time, so a result is only ever a whole record's
 * work, as the JDK engine's are: TlsConnection relies on that.
 *
 * <p>The data path makes two native calls per wrap and two per unwrap, passes direct buffers
 * in place ({@link NativeMemory#address} plus the position) and allocates nothing but the
 * result. Heap buffers and gathering go through the thread's {@link Scratch}.
 *
 * <p>OpenSSL's error queue (per thread) must be empty before an SSL call for SSL_get_error to
 * be right, and so that one connection's errors never show in another's message. It is cleared
 * before each handshake step; on the data path it is kept empty instead, every failure draining
 * it into its exception, because ERR_clear_error costs about 125 ns on OpenSSL 3.0, more than
 * the data path's own calls.
 *
 * <p>The handshake runs inline (OpenSSL's signatures take tens of microseconds): there is never a
 * delegated task. Server mode only.
 *
 * <p>Threading: one thread at a time (the reactor's), but {@link #close()}, which may be
 * called from anywhere and frees the {@code SSL*} once; every call after it fails without
 * touching native memory. A Cleaner frees engines dropped unclosed.
 */
public final class OpenSslEngine extends SSLEngine implements AutoCloseable {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final String[] CIPHER_SUITES = {
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    };
    /** Room a sealed record may need beyond its plaintext (header, tag, padding) and a KeyUpdate before it. */
    private static final int RECORD_OVERHEAD = 256;

    /** Keeps the SSL_CTX's ALPN callback reachable for as long as this engine may handshake. */
    @SuppressWarnings("unused")
    private final OpenSslContext context;
    private final OpenSsl openSsl;
    private final LibSsl lib;
    private final Cleaner.Cleanable cleanable;
    private final OpenSslSession session = new OpenSslSession();
    /** For the single-buffer overloads, which would otherwise make an array per call. */
    private final ByteBuffer[] one = new ByteBuffer[1];

    /** The SSL*, 0 once closed. */
    private long ssl;
    private final long readBio;
    private final long writeBio;
    /** Bytes in the write BIO: kept exact after every call that may queue output. */
    private long pending;
    private boolean handshakeDone;
    /** Why the connection failed (an alert may still be pending); null while it has not. */
    private String failure;
    private boolean inboundDone;
    private boolean closeNotifyReceived;
    private boolean outboundClosed;
    /** The ALPN choice: null before the handshake, "" when none. */
    private String applicationProtocol;

    OpenSslEngine(OpenSslContext context) {
        this.context = context;
        this.openSsl = context.openSsl;
        this.lib = openSsl.lib;
        long s = lib.SSL_new(context.ctx);
        if (s == 0) {
            throw new IllegalStateException("libssl: SSL_new failed: " + openSsl.errors("out of memory?"));
        }
        // SSL_free frees the BIOs once SSL_set_bio gave them over, so the cleanup is SSL_free alone.
        this.cleanable = OpenSsl.CLEANER.register(this, new Free(lib, s));
        this.ssl = s;
        this.readBio = lib.BIO_new(openSsl.memMethod);
        this.writeBio = lib.BIO_new(openSsl.memMethod);
        if (readBio == 0 || writeBio == 0) {
            if (readBio != 0) {
                lib.BIO_free_all(readBio);
            }
            if (writeBio != 0) {
                lib.BIO_free_all(writeBio);
            }
            close();
            throw new IllegalStateException("libssl: BIO_new failed: " + openSsl.errors("out of memory?"));
        }
        lib.SSL_set_bio(s, readBio, writeBio);
        lib.SSL_set_accept_state(s);
    }

    // ---------------------------------------------------------------- unwrap

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        one[0] = dst;
        try {
            return unwrap(src, one, 0, 1);
        } finally {
            one[0] = null;
        }
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        ensureOpen();
        if (failure != null) {
            throw new SSLException(failure);
        }
        if (inboundDone) {
            return result(Status.CLOSED, 0, 0);
        }
        int available = src.remaining();
        if (available < OpenSsl.RECORD_HEADER) {
            return result(Status.BUFFER_UNDERFLOW, 0, 0);
        }
        int at = src.position();
        int body = (src.get(at + 3) & 0xff) << 8 | src.get(at + 4) & 0xff;
        // A length no record may have: hand OpenSSL the header alone, it rejects it with an alert.
        int recordLength = OpenSsl.RECORD_HEADER + (body > OpenSsl.MAX_CIPHERTEXT ? 0 : body);
        if (available < recordLength) {
            return result(Status.BUFFER_UNDERFLOW, 0, 0);
        }
        if (!handshakeDone) {
            feed(src, at, recordLength);
            return handshakeStep(recordLength);
        }
        int needed = Math.min(body, OpenSsl.MAX_PLAINTEXT);
        ByteBuffer target = null;
        long room = 0;
        for (int i = offset; i < offset + length; i++) {
            int r = dsts[i].remaining();
            if (target == null && r > 0) {
                target = dsts[i];
            }
            room += r;
        }
        if (room < needed) {
            return result(Status.BUFFER_OVERFLOW, 0, 0);
        }
        feed(src, at, recordLength);
        return read(recordLength, target, needed, dsts, offset, length);
    }

    /** BIO_write of exactly one record, and src advanced past it. */
    private void feed(ByteBuffer src, int at, int recordLength) throws SSLException {
        int written;
        if (src.isDirect()) {
            written = lib.BIO_write(readBio, NativeMemory.address(src) + at, recordLength);
        } else {
            Scratch scratch = Scratch.get();
            scratch.record.put(0, src, at, recordLength);
            written = lib.BIO_write(readBio, scratch.recordAddress, recordLength);
        }
        if (written != recordLength) {
            throw fail(new SSLException("libssl: BIO_write failed: " + openSsl.errors("out of memory?")));
        }
        src.position(at + recordLength);
    }

    private SSLEngineResult handshakeStep(int consumed) throws SSLException {
        lib.ERR_clear_error();
        int r = lib.SSL_do_handshake(ssl);
        if (r == 1) {
            pending = lib.BIO_ctrl_pending(writeBio);
            established();
            return new SSLEngineResult(Status.OK, HandshakeStatus.FINISHED, consumed, 0);
        }
        int error = lib.SSL_get_error(ssl, r);
        pending = lib.BIO_ctrl_pending(writeBio);
        if (error == OpenSsl.SSL_ERROR_WANT_READ) {
            return result(Status.OK, consumed, 0);
        }
        throw fail(new SSLHandshakeException("TLS handshake failed: " + openSsl.errors("SSL_do_handshake error " + error)));
    }

    /** The handshake completed: what the session and ALPN say, read once. */
    private void established() {
        handshakeDone = true;
        session.established(lib.SSL_get_version(ssl), lib.SSL_CIPHER_standard_name(lib.SSL_get_current_cipher(ssl)));
        Scratch scratch = Scratch.get();
        long data = scratch.pointersAddress;
        long size = data + 8;
        NativeMemory.putLong(data, 0);
        NativeMemory.putInt(size, 0);
        lib.SSL_get0_alpn_selected(ssl, data, size);
        long address = NativeMemory.getLong(data);
        int n = NativeMemory.getInt(size);
        if (address == 0 || n == 0) {
            applicationProtocol = "";
        } else {
            byte[] name = new byte[n];
            openSsl.runtime.getMemoryManager().newPointer(address).get(0, name, 0, n);
            applicationProtocol = new String(name, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /** SSL_read of the record just fed: into {@code target} in place when it can, else by the scratch. */
    private SSLEngineResult read(int consumed, ByteBuffer target, int needed, ByteBuffer[] dsts, int offset, int length)
            throws SSLException {
        boolean inPlace = target.isDirect() && target.remaining() >= needed;
        int n;
        if (inPlace) {
            int position = target.position();
            n = lib.SSL_read(ssl, NativeMemory.address(target) + position, target.remaining());
            if (n > 0) {
                target.position(position + n);
            }
        } else {
            Scratch scratch = Scratch.get();
            n = lib.SSL_read(ssl, scratch.plainAddress, OpenSsl.MAX_PLAINTEXT);
            if (n > 0) {
                scatter(scratch.plain, n, dsts, offset, length);
            }
        }
        if (n > 0) {
            // One application-data record was read: OpenSSL queued nothing to send.
            return result(Status.OK, consumed, n);
        }
        int error = lib.SSL_get_error(ssl, n);
        pending = lib.BIO_ctrl_pending(writeBio);
        switch (error) {
            case OpenSsl.SSL_ERROR_WANT_READ -> {
                return result(Status.OK, consumed, 0); // a record without data: KeyUpdate, a warning
            }
            case OpenSsl.SSL_ERROR_ZERO_RETURN -> {
                closeNotifyReceived = true;
                inboundDone = true;
                return result(Status.CLOSED, consumed, 0);
            }
            default -> throw fail(new SSLException("TLS record rejected: " + openSsl.errors("SSL_read error " + error)));
        }
    }

    private static void scatter(ByteBuffer from, int n, ByteBuffer[] dsts, int offset, int length) {
        int at = 0;
        for (int i = offset; i < offset + length && at < n; i++) {
            ByteBuffer dst = dsts[i];
            int k = Math.min(dst.remaining(), n - at);
            dst.put(dst.position(), from, at, k);
            dst.position(dst.position() + k);
            at += k;
        }
    }

    // ---------------------------------------------------------------- wrap

    @Override
    public SSLEngineResult wrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        one[0] = src;
        try {
            return wrap(one, 0, 1, dst);
        } finally {
            one[0] = null;
        }
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        ensureOpen();
        int room = dst.remaining();
        if (pending > 0) {
            if (room == 0) {
                return result(Status.BUFFER_OVERFLOW, 0, 0);
            }
            int produced = drain(dst, room);
            return result(outboundClosed || failure != null ? Status.CLOSED : Status.OK, 0, produced);
        }
        if (outboundClosed || failure != null) {
            return result(Status.CLOSED, 0, 0);
        }
        if (!handshakeDone) {
            return result(Status.OK, 0, 0);
        }
        ByteBuffer first = null;
        long total = 0;
        for (int i = offset; i < offset + length && total < OpenSsl.MAX_PLAINTEXT; i++) {
            int r = srcs[i].remaining();
            if (first == null && r > 0) {
                first = srcs[i];
            }
            total += r;
        }
        int chunk = (int) Math.min(total, OpenSsl.MAX_PLAINTEXT);
        if (chunk == 0) {
            return result(Status.OK, 0, 0);
        }
        if (room < chunk + RECORD_OVERHEAD) {
            return result(Status.BUFFER_OVERFLOW, 0, 0);
        }
        long address;
        if (first.isDirect() && first.remaining() >= chunk) {
            address = NativeMemory.address(first) + first.position();
        } else {
            Scratch scratch = Scratch.get();
            gather(scratch.plain, chunk, srcs, offset, length);
            address = scratch.plainAddress;
        }
        int n = lib.SSL_write(ssl, address, chunk);
        if (n <= 0) {
            int error = lib.SSL_get_error(ssl, n);
            pending = lib.BIO_ctrl_pending(writeBio);
            // WANT_READ would mean a renegotiation in progress, which the context refuses:
            // failing beats a result without progress, which the caller would retry forever.
            throw fail(new SSLException("TLS write failed: " + openSsl.errors("SSL_write error " + error)));
        }
        advance(srcs, offset, length, n);
        int produced = drain(dst, room);
        return result(Status.OK, n, produced);
    }

    /** Copies {@code chunk} bytes of the sources, from their positions, without moving them. */
    private static void gather(ByteBuffer to, int chunk, ByteBuffer[] srcs, int offset, int length) {
        int at = 0;
        for (int i = offset; i < offset + length && at < chunk; i++) {
            ByteBuffer src = srcs[i];
            int k = Math.min(src.remaining(), chunk - at);
            to.put(at, src, src.position(), k);
            at += k;
        }
    }

    private static void advance(ByteBuffer[] srcs, int offset, int length, int n) {
        for (int i = offset; i < offset + length && n > 0; i++) {
            ByteBuffer src = srcs[i];
            int k = Math.min(src.remaining(), n);
            src.position(src.position() + k);
            n -= k;
        }
    }

    /**
     * Moves what the write BIO holds into dst, as much as fits; {@link #pending} is exact after:
     * a read short of the room emptied the BIO, a full one leaves it to be asked.
     */
    private int drain(ByteBuffer dst, int room) {
        int produced = 0;
        if (dst.isDirect()) {
            int position = dst.position();
            int n = Math.max(0, lib.BIO_read(writeBio, NativeMemory.address(dst) + position, room));
            dst.position(position + n);
            produced = n;
        } else {
            Scratch scratch = Scratch.get();
            while (produced < room) {
                int want = Math.min(room - produced, scratch.record.capacity());
                int n = Math.max(0, lib.BIO_read(writeBio, scratch.recordAddress, want));
                dst.put(dst.position(), scratch.record, 0, n);
                dst.position(dst.position() + n);
                produced += n;
                if (n < want) {
                    break;
                }
            }
        }
        pending = produced < room ? 0 : lib.BIO_ctrl_pending(writeBio);
        return produced;
    }

    // ---------------------------------------------------------------- state

    private SSLEngineResult result(Status status, int consumed, int produced) {
        return new SSLEngineResult(status, getHandshakeStatus(), consumed, produced);
    }

    @Override
    public HandshakeStatus getHandshakeStatus() {
        if (ssl == 0) {
            return HandshakeStatus.NOT_HANDSHAKING;
        }
        if (pending > 0) {
            return HandshakeStatus.NEED_WRAP;
        }
        return handshakeDone || failure != null ? HandshakeStatus.NOT_HANDSHAKING : HandshakeStatus.NEED_UNWRAP;
    }

    @Override
    public Runnable getDelegatedTask() {
        return null;
    }

    @Override
    public void beginHandshake() throws SSLException {
        ensureOpen();
    }

    @Override
    public void closeOutbound() {
        if (outboundClosed) {
            return;
        }
        outboundClosed = true;
        if (ssl == 0 || !handshakeDone || failure != null) {
            return; // nothing agreed to close: the connection just ends
        }
        lib.ERR_clear_error();
        if (lib.SSL_shutdown(ssl) < 0) {
            openSsl.errors(null); // leave the queue empty for the next connection
        }
        pending = lib.BIO_ctrl_pending(writeBio);
    }

    @Override
    public boolean isOutboundDone() {
        return outboundClosed && (pending == 0 || ssl == 0);
    }

    @Override
    public void closeInbound() throws SSLException {
        if (inboundDone) {
            return;
        }
        inboundDone = true;
        if (handshakeDone && !closeNotifyReceived) {
            throw new SSLException("closing inbound before receiving the peer's close_notify");
        }
    }

    @Override
    public boolean isInboundDone() {
        return inboundDone || ssl == 0;
    }

    /** Frees the SSL* (and its BIOs) once; idempotent, any thread. */
    @Override
    public void close() {
        ssl = 0;
        pending = 0;
        cleanable.clean();
    }

    private void ensureOpen() throws SSLException {
        if (ssl == 0) {
            throw new SSLException("engine closed");
        }
    }

    /** Fatal: no more records either way; an alert OpenSSL queued can still be wrapped. */
    private SSLException fail(SSLException e) {
        failure = e.getMessage();
        outboundClosed = true;
        if (ssl != 0) {
            pending = lib.BIO_ctrl_pending(writeBio);
        }
        return e;
    }

    // ---------------------------------------------------------------- the rest of SSLEngine

    @Override
    public SSLSession getSession() {
        return session;
    }

    @Override
    public SSLSession getHandshakeSession() {
        return handshakeDone ? null : session;
    }

    @Override
    public String getApplicationProtocol() {
        return applicationProtocol;
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        return applicationProtocol;
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return CIPHER_SUITES.clone();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return CIPHER_SUITES.clone();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        throw new UnsupportedOperationException("the OpenSSL engine's cipher suites are fixed");
    }

    @Override
    public String[] getSupportedProtocols() {
        return PROTOCOLS.clone();
    }

    @Override
    public String[] getEnabledProtocols() {
        return PROTOCOLS.clone();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        throw new UnsupportedOperationException("the OpenSSL engine speaks TLS 1.3 and 1.2");
    }

    @Override
    public void setUseClientMode(boolean mode) {
        if (mode) {
            throw new IllegalArgumentException("the OpenSSL engine is server side only");
        }
    }

    @Override
    public boolean getUseClientMode() {
        return false;
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        if (need) {
            throw new UnsupportedOperationException("the OpenSSL engine asks for no client certificate");
        }
    }

    @Override
    public boolean getNeedClientAuth() {
        return false;
    }

    @Override
    public void setWantClientAuth(boolean want) {
        setNeedClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return false;
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        if (!flag) {
            throw new UnsupportedOperationException("the OpenSSL engine always creates sessions");
        }
    }

    @Override
    public boolean getEnableSessionCreation() {
        return true;
    }

    @Override
    public String toString() {
        return "OpenSslEngine[" + (ssl == 0 ? "closed" : session.getProtocol() + " " + session.getCipherSuite()) + "]";
    }

    /** Holds no reference to the engine, or it would never become unreachable. */
    private record Free(LibSsl lib, long ssl) implements Runnable {
        @Override
        public void run() {
            lib.SSL_free(ssl);
        }
    }
}
