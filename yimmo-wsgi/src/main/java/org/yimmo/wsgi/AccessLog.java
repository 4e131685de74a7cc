package org.yimmo.wsgi;

import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.http.HttpExchange;
import org.yimmo.http.parser.RequestHead;

/**
 * The access log: one line per request in Apache's combined format,
 * {@code %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"}, appended to a file or written to
 * standard output.
 *
 * <p>Off the hot path: a worker thread copies the few request fields into an entry (while the
 * exchange is still its own) and offers it to a bounded multi-producer queue, lock free; one
 * writer thread formats the entries, writes them through a buffer and flushes whenever the
 * queue runs dry, so lines reach the file within about {@link #IDLE_PARK_NANOS} of the response.
 * The buffer only ever goes out as whole lines, in one {@code write} each time: the worker
 * processes of a manager append to the same file (or standard output), and with
 * {@code O_APPEND} one write is placed whole, so their lines interleave but are never cut.
 * The reactor thread is never involved. When the queue is full (the disk cannot keep up) the
 * worker waits for room rather than drop lines, as Apache's synchronous log would, and lets go of
 * its lock meanwhile (the WSGI worker releases the GIL: a slow disk then holds up the requests
 * being logged, not every Python thread). Thread safe.
 */
public final class AccessLog implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    static final int CAPACITY = 16 * 1024;
    /** How long the writer sleeps when it has nothing to write. */
    static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);
    private static final String STDOUT = "-";

    /** One request, as the worker saw it. */
    record Entry(String host, String requestLine, int status, long bytes, String referer, String userAgent,
            long epochMillis) {
    }

    private final MpscArrayQueue<Entry> queue = new MpscArrayQueue<>(CAPACITY);
    /** Bytes of whole lines that one write takes out. */
    static final int BUFFER_BYTES = 64 * 1024;
    private final OutputStream out;
    // Writer thread only: whole lines not written yet.
    private final byte[] pending = new byte[BUFFER_BYTES];
    private int used;
    private final boolean closeOut;
    private final String target;
    private final Thread writer;
    private volatile boolean closed;
    // Writer thread only: the last second formatted, and its text.
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedTime;
    private final ZoneId zone = ZoneId.systemDefault();

    private AccessLog(OutputStream out, boolean closeOut, String target) {
        this.out = out;
        this.closeOut = closeOut;
        this.target = target;
        this.writer = new Thread(this::drainLoop, "yimmo-access-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Opens the log: {@code -} for standard output, else a file appended to (created if missing).
     *
     * @throws IOException if the file cannot be opened for appending
     */
    public static AccessLog open(Path file) throws IOException {
        if (file.toString().equals(STDOUT)) {
            return new AccessLog(new FileOutputStream(FileDescriptor.out), false, "standard output");
        }
        OutputStream stream = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        return new AccessLog(stream, true, file.toString());
    }

    /** A log written to {@code out}, which it does not close; {@code target} names it in messages. */
    static AccessLog over(OutputStream out, String target) {
        return new AccessLog(out, false, target);
    }

    /**
     * Records one request; call it before the response is ended (the exchange is reused after).
     * Worker threads; lock free unless the queue is full.
     *
     * @param status      the status sent (200 when the response was never started)
     * @param bytes       body bytes sent
     * @param epochMillis when the request reached the application
     * @param beforeWait  run before waiting for room in a full queue (the WSGI worker releases the GIL)
     * @param afterWait   run after that wait (takes the GIL back)
     */
    public void record(HttpExchange exchange, int status, long bytes, long epochMillis, Runnable beforeWait,
            Runnable afterWait) {
        RequestHead head = exchange.request();
        String requestLine = head.methodName() + " " + head.target() + (head.version() == 10 ? " HTTP/1.0" : " HTTP/1.1");
        offer(new Entry(host(exchange.remoteAddress()), requestLine, status, bytes,
                exchange.header("referer"), exchange.header("user-agent"), epochMillis), beforeWait, afterWait);
    }

    /**
     * Queues one entry; when the queue is full, runs {@code beforeWait}, waits for room (or the
     * log's close), then runs {@code afterWait}.
     */
    void offer(Entry entry, Runnable beforeWait, Runnable afterWait) {
        if (queue.offer(entry)) {
            return;
        }
        beforeWait.run();
        try {
            while (!queue.offer(entry) && !closed) {
                LockSupport.unpark(writer);
                LockSupport.parkNanos(100_000);
            }
        } finally {
            afterWait.run();
        }
    }

    /** Writes what is queued, flushes and stops the writer; closes the file (not standard output). */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainLoop() {
        try {
            while (true) {
                boolean stopping = closed; // read before draining: entries offered before close are written
                int written = queue.drain(this::write);
                if (written == 0) {
                    writePending();
                    if (stopping) {
                        break;
                    }
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.error("access log {}: cannot write, no more lines will be logged: {}", target, e.getMessage());
            closed = true;
            queue.clear();
            used = 0;
        } finally {
            try {
                writePending();
            } catch (IOException e) {
                LOG.warn("access log {}: {}", target, e.getMessage());
            }
            if (closeOut) {
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.warn("access log {}: {}", target, e.getMessage());
                }
            }
        }
    }

    /** Adds the entry's line to the buffer, writing the buffer out first if the line does not fit. */
    private void write(Entry entry) {
        String line = format(entry); // ASCII only: escape() leaves nothing else
        try {
            if (used + line.length() > pending.length) {
                writePending();
            }
            if (line.length() > pending.length) {
                out.write(line.getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            for (int i = 0; i < line.length(); i++) {
                pending[used++] = (byte) line.charAt(i);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writePending() throws IOException {
        if (used > 0) {
            out.write(pending, 0, used);
            used = 0;
        }
    }

    /** The combined-format line, with its newline. Writer thread. */
    String format(Entry e) {
        StringBuilder line = new StringBuilder(160);
        line.append(e.host()).append(" - - [").append(time(e.epochMillis())).append("] \"");
        escape(line, e.requestLine());
        line.append("\" ").append(e.status()).append(' ');
        if (e.bytes() > 0) {
            line.append(e.bytes());
        } else {
            line.append('-');
        }
        line.append(" \"");
        escape(line, e.referer() == null ? "-" : e.referer());
        line.append("\" \"");
        escape(line, e.userAgent() == null ? "-" : e.userAgent());
        return line.append("\"\n").toString();
    }

    private String time(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != cachedSecond) {
            cachedTime = TIME.format(Instant.ofEpochSecond(second).atZone(zone));
            cachedSecond = second;
        }
        return cachedTime;
    }

    /** As Apache: {@code "} and {@code \} backslashed, control and non-ASCII bytes as {@code \xhh}. */
    static void escape(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                out.append("\\x").append(Character.forDigit((c >> 4) & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                out.append(c);
            }
        }
    }

    private static String host(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return "-";
    }

    /** Thrown through the queue's drain callback. */
    private static final class UncheckedIOException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UncheckedIOException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
