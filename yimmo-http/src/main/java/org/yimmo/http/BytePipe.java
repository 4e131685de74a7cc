package org.yimmo.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.yimmo.core.net.Connection;

/**
 * A bounded single-producer, single-consumer byte ring over one direct buffer: the response of an
 * exchange on its way from the handler's thread to the socket, or a request body on its way from
 * the reactor to the handler. The bound is the flow-control high-water mark.
 *
 * <p>Lock-free: the producer owns {@code writeIndex}, the consumer owns {@code readIndex}, and each
 * publishes its own with a volatile store after touching the bytes, so the other side sees the
 * bytes before the index that covers them. The producer <em>stages</em> bytes past the published
 * end and {@link #publish() publishes} them at once, so a chunk's size line, data and CRLF (or a
 * whole response head) reach the consumer together.
 *
 * <p>Exactly one producer thread and one consumer thread at a time; a hand-over between threads
 * needs a happens-before edge (a queue, a volatile) like any other object. Waiting and waking are
 * the caller's business ({@link Waiter}).
 */
final class BytePipe {

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final ByteBuffer storage;
    private final int capacity;
    private final int mask;
    /** Consumer-side views for gathering writes over the wrap. */
    private final ByteBuffer[] segments = new ByteBuffer[2];

    private volatile long writeIndex;
    private volatile long readIndex;
    /** Producer only: bytes written past {@code writeIndex} and not yet published. */
    private int staged;

    BytePipe(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.storage = ByteBuffer.allocateDirect(capacity);
        this.segments[0] = storage.duplicate();
        this.segments[1] = storage.duplicate();
    }

    int capacity() {
        return capacity;
    }

    /** Empties the pipe for its next user; neither side may be using it. */
    void reset() {
        writeIndex = 0;
        readIndex = 0;
        staged = 0;
    }

    // ---------------------------------------------------------------- producer side

    /** Bytes the producer may still stage. */
    int writable() {
        return capacity - (int) (writeIndex - readIndex) - staged;
    }

    /** Bytes staged and not yet published. */
    int staged() {
        return staged;
    }

    /** Stages one byte; the caller has checked {@link #writable()}. */
    void stage(byte b) {
        storage.put((int) (writeIndex + staged) & mask, b);
        staged++;
    }

    /** Stages {@code length} bytes of {@code src}; the caller has checked {@link #writable()}. */
    void stage(byte[] src, int offset, int length) {
        int at = (int) (writeIndex + staged) & mask;
        int first = Math.min(length, capacity - at);
        storage.put(at, src, offset, first);
        if (first < length) {
            storage.put(0, src, offset + first, length - first);
        }
        staged += length;
    }

    /** Stages up to {@code max} bytes of {@code src}, advancing its position; returns the count. */
    int stage(ByteBuffer src, int max) {
        int length = Math.min(Math.min(max, src.remaining()), writable());
        stage(src, src.position(), length);
        src.position(src.position() + length);
        return length;
    }

    /**
     * Stages {@code src[from, from + length)} without moving its position; the caller has checked
     * {@link #writable()}.
     */
    void stage(ByteBuffer src, int from, int length) {
        int at = (int) (writeIndex + staged) & mask;
        int first = Math.min(length, capacity - at);
        storage.put(at, src, from, first);
        if (first < length) {
            storage.put(0, src, from + first, length - first);
        }
        staged += length;
    }

    /** Stages {@code text} as ISO-8859-1 (each char is below 256; the caller has checked). */
    void stageLatin1(CharSequence text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            stage((byte) text.charAt(i));
        }
    }

    /** Stages {@code value} in hexadecimal, without leading zeros. */
    void stageHex(long value) {
        int digits = Math.max(1, (67 - Long.numberOfLeadingZeros(value)) / 4);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            stage(HEX_DIGITS[(int) (value >>> shift) & 0xf]);
        }
    }

    /** Stages {@code value} (not negative) in decimal. */
    void stageDecimal(long value) {
        long divisor = 1;
        while (divisor <= value / 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            stage((byte) ('0' + (value / divisor) % 10));
        }
    }

    /** Forgets what was staged since the last {@link #publish()}. */
    void unstage() {
        staged = 0;
    }

    /** Hands everything staged to the consumer at once. */
    void publish() {
        if (staged > 0) {
            writeIndex += staged;
            staged = 0;
        }
    }

    // ---------------------------------------------------------------- consumer side

    /** Published bytes not yet consumed. */
    int readable() {
        return (int) (writeIndex - readIndex);
    }

    /** Moves up to {@code dst.remaining()} published bytes into {@code dst}; returns the count. */
    int read(ByteBuffer dst) {
        long read = readIndex;
        int length = Math.min((int) (writeIndex - read), dst.remaining());
        int at = (int) read & mask;
        int first = Math.min(length, capacity - at);
        int to = dst.position();
        dst.put(to, storage, at, first);
        if (first < length) {
            dst.put(to + first, storage, 0, length - first);
        }
        dst.position(to + length);
        readIndex = read + length;
        return length;
    }

    /** Drops up to {@code max} published bytes; returns the count. */
    int skip(int max) {
        long read = readIndex;
        int length = Math.min((int) (writeIndex - read), max);
        readIndex = read + length;
        return length;
    }

    /**
     * Writes published bytes to {@code connection} with one gathering write (two segments when
     * they wrap); returns the count, which may be less than {@link #readable()} when the socket is
     * full.
     */
    long writeTo(Connection connection) throws IOException {
        long read = readIndex;
        int length = (int) (writeIndex - read);
        if (length == 0) {
            return 0;
        }
        int at = (int) read & mask;
        int first = Math.min(length, capacity - at);
        segments[0].limit(at + first).position(at);
        int count = 1;
        if (first < length) {
            segments[1].limit(length - first).position(0);
            count = 2;
        }
        long written = connection.write(segments, 0, count);
        if (written > 0) {
            readIndex = read + written;
        }
        return written;
    }

}
