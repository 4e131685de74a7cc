package org.yimmo.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP/1.1 keep-alive load client that counts responses per connection: opens N
 * connections at once, keeps exactly one GET outstanding on each for the duration, and reports how
 * many connections got at least one answer, next to requests/s and latency percentiles.
 *
 * <p>wrk cannot say this: its Lua {@code response()} hook has no connection identity, and it counts
 * only requests that were answered. A server that serves one keep-alive connection at a time (uWSGI's
 * {@code --http11-socket} with one process) then looks fast in wrk's figures while most connections
 * wait in the accept queue for the whole run. Here those show up as unanswered connections, and the
 * age of the oldest request still waiting at the end.
 *
 * <p>One thread, one selector, non-blocking sockets: it is meant to be pinned to one CPU next to the
 * server. Responses must carry Content-Length, or end with the connection (then it reconnects, and
 * the slot keeps its count); chunked responses are counted as errors. Latency is measured from the
 * write of a request to the read of the last byte of its response, in microseconds.
 *
 * <p>Output: one line on stdout, {@code key=value} pairs separated by spaces (see {@link #USAGE}).
 */
public final class ConnectionCensus {

    static final String USAGE = """
            Usage: ConnectionCensus [options]
              --host HOST          server address (default 127.0.0.1)
              --port PORT          server port (required)
              --path PATH          request target (default /)
              -c, --connections N  connections, each with one request in flight (default 64)
              -d, --duration S     seconds of load (default 10)
              -h, --help           this text
            Prints one line: connections= answered= requests= rps= p50_us= p90_us= p99_us= max_us=
            per_conn_min= per_conn_median= per_conn_max= (over answered connections) non2xx=
            closed= (connections the server closed; each is reopened) errors= (protocol errors)
            waiting= (requests still unanswered at the end) oldest_wait_ms= (age of the oldest of
            those; equals the duration for a connection never answered).
            """;

    private final InetSocketAddress address;
    private final byte[] request;
    private final int connections;
    private final long durationNanos;

    private final Histogram latencyUs = new Histogram(1, 600_000_000L, 3);
    private long non2xx;
    private long closed;
    private long errors;

    private ConnectionCensus(InetSocketAddress address, String path, int connections, long durationNanos) {
        this.address = address;
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + address.getHostString() + ":" + address.getPort()
                + "\r\nUser-Agent: yimmo-census\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        this.connections = connections;
        this.durationNanos = durationNanos;
    }

    /** One connection slot: its socket (reopened if the server closes it) and its counters. */
    private final class Slot {
        final int index;
        SocketChannel channel;
        SelectionKey key;
        final ByteBuffer out = ByteBuffer.wrap(request);
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        long sentAt;         // System.nanoTime() when the current request was written; 0 if none
        long responses;
        // response parsing
        boolean headDone;
        long bodyLeft;       // -1: until close
        int status;
        boolean closeAfter;

        Slot(int index) {
            this.index = index;
        }
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        String host = "127.0.0.1";
        int port = -1;
        String path = "/";
        int connections = 64;
        double duration = 10;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    out.print(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option '" + a + "' needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--host" -> host = v;
                    case "--port" -> port = Integer.parseInt(v);
                    case "--path" -> path = v;
                    case "-c", "--connections" -> connections = Integer.parseInt(v);
                    case "-d", "--duration" -> duration = Double.parseDouble(v);
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (port < 1 || port > 65535 || connections < 1 || !(duration > 0)) {
                throw new IllegalArgumentException("need --port 1-65535, --connections >= 1, --duration > 0");
            }
        } catch (IllegalArgumentException e) {
            err.println("ConnectionCensus: " + e.getMessage() + " (see --help)");
            return 2;
        }
        ConnectionCensus census = new ConnectionCensus(new InetSocketAddress(host, port), path, connections,
                (long) (duration * 1e9));
        out.println(census.measure());
        return 0;
    }

    private String measure() throws IOException {
        Slot[] slots = new Slot[connections];
        long started;
        long deadline;
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < connections; i++) {
                slots[i] = new Slot(i);
                open(selector, slots[i]);
            }
            started = System.nanoTime();
            deadline = started + durationNanos;
            long now = started;
            while (now < deadline) {
                long waitMs = Math.max(1, (deadline - now) / 1_000_000);
                selector.select(waitMs);
                now = System.nanoTime();
                for (SelectionKey key : selector.selectedKeys()) {
                    Slot slot = (Slot) key.attachment();
                    try {
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isConnectable()) {
                            if (slot.channel.finishConnect()) {
                                startRequest(slot, System.nanoTime());
                            }
                        } else {
                            if (key.isWritable()) {
                                flush(slot);
                            }
                            if (key.isValid() && key.isReadable()) {
                                read(selector, slot, deadline);
                            }
                        }
                    } catch (IOException e) {
                        // reset by the server, or refused: count it and reopen
                        closed++;
                        reopen(selector, slot);
                    }
                }
                selector.selectedKeys().clear();
            }
            long end = System.nanoTime();
            for (Slot slot : slots) {
                slot.channel.close();
            }
            return report(slots, end - started, end);
        }
    }

    private void open(Selector selector, Slot slot) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        slot.channel = ch;
        slot.sentAt = 0;
        slot.in.clear();
        slot.headDone = false;
        if (ch.connect(address)) {
            slot.key = ch.register(selector, SelectionKey.OP_READ, slot);
            startRequest(slot, System.nanoTime());
        } else {
            slot.key = ch.register(selector, SelectionKey.OP_CONNECT, slot);
        }
    }

    private void reopen(Selector selector, Slot slot) throws IOException {
        slot.key.cancel();
        slot.channel.close(); // a new channel, so a new key: no clash with the cancelled one
        open(selector, slot);
    }

    private void startRequest(Slot slot, long now) throws IOException {
        slot.out.clear();
        slot.sentAt = now;
        slot.headDone = false;
        slot.in.clear();
        flush(slot);
    }

    private void flush(Slot slot) throws IOException {
        slot.channel.write(slot.out);
        slot.key.interestOps(slot.out.hasRemaining() ? SelectionKey.OP_WRITE | SelectionKey.OP_READ
                : SelectionKey.OP_READ);
    }

    private void read(Selector selector, Slot slot, long deadline) throws IOException {
        while (true) {
            if (!slot.in.hasRemaining()) {
                if (slot.headDone) {
                    slot.in.clear(); // body bytes already accounted for
                } else {
                    slot.in = ByteBuffer.allocate(slot.in.capacity() * 2).put(slot.in.flip());
                }
            }
            int n = slot.channel.read(slot.in);
            if (n < 0) {
                if (slot.headDone && slot.bodyLeft == -1) {
                    complete(slot, System.nanoTime());
                }
                closed++;
                reopen(selector, slot);
                return;
            }
            if (n == 0) {
                return;
            }
            if (!parse(slot)) {
                errors++;
                reopen(selector, slot);
                return;
            }
            if (slot.headDone && slot.bodyLeft == 0) {
                long now = System.nanoTime();
                complete(slot, now);
                if (slot.in.position() > 0) { // bytes past the response: nothing was asked for them
                    errors++;
                    reopen(selector, slot);
                    return;
                }
                if (slot.closeAfter) {
                    reopen(selector, slot);
                } else if (now < deadline) {
                    startRequest(slot, now);
                }
                return;
            }
        }
    }

    private void complete(Slot slot, long now) {
        latencyUs.recordValue(Math.max(1, Math.min((now - slot.sentAt) / 1000, latencyUs.getHighestTrackableValue())));
        slot.responses++;
        slot.sentAt = 0;
        if (slot.status < 200 || slot.status >= 400) {
            non2xx++;
        }
    }

    /**
     * Consumes what is in {@code slot.in} (write mode). Returns false on a protocol error. After the
     * head, body bytes are counted off and dropped; leftovers past the body stay in the buffer.
     */
    private boolean parse(Slot slot) {
        ByteBuffer b = slot.in;
        if (!slot.headDone) {
            int end = indexOfHeadEnd(b.array(), b.position());
            if (end < 0) {
                return true; // need more
            }
            String head = new String(b.array(), 0, end, StandardCharsets.ISO_8859_1);
            String[] lines = head.split("\r\n");
            if (!lines[0].startsWith("HTTP/1.") || lines[0].length() < 12) {
                return false;
            }
            slot.status = Integer.parseInt(lines[0].substring(9, 12));
            long length = -1;
            boolean close = lines[0].startsWith("HTTP/1.0");
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i].toLowerCase(Locale.ROOT);
                if (line.startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                } else if (line.startsWith("transfer-encoding:")) {
                    return false; // chunked: not supported, see the class comment
                } else if (line.startsWith("connection:")) {
                    close = line.contains("close") || (close && !line.contains("keep-alive"));
                }
            }
            slot.headDone = true;
            slot.bodyLeft = length;
            slot.closeAfter = close || length < 0;
            int bodyStart = end + 4;
            b.limit(b.position()).position(bodyStart);
            b.compact(); // moves the body bytes to the start; write mode again, position = have
        }
        if (slot.bodyLeft > 0) {
            int take = (int) Math.min(slot.bodyLeft, b.position());
            slot.bodyLeft -= take;
            b.flip().position(take);
            b.compact();
        } else if (slot.bodyLeft < 0) {
            b.clear(); // until close
        }
        return true;
    }

    private static int indexOfHeadEnd(byte[] a, int limit) {
        for (int i = 0; i + 3 < limit; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private String report(Slot[] slots, long elapsedNanos, long end) {
        long total = 0;
        int answered = 0;
        int waiting = 0;
        long oldest = 0;
        long[] perConn = new long[slots.length];
        int k = 0;
        for (Slot s : slots) {
            total += s.responses;
            if (s.responses > 0) {
                answered++;
                perConn[k++] = s.responses;
            }
            if (s.sentAt != 0) {
                waiting++;
                oldest = Math.max(oldest, end - s.sentAt);
            }
        }
        long[] answeredCounts = Arrays.copyOf(perConn, k);
        Arrays.sort(answeredCounts);
        double seconds = elapsedNanos / 1e9;
        return String.format(Locale.ROOT,
                "connections=%d answered=%d requests=%d rps=%.0f p50_us=%d p90_us=%d p99_us=%d max_us=%d"
                        + " per_conn_min=%d per_conn_median=%d per_conn_max=%d non2xx=%d closed=%d errors=%d"
                        + " waiting=%d oldest_wait_ms=%d",
                slots.length, answered, total, total / seconds,
                latencyUs.getValueAtPercentile(50), latencyUs.getValueAtPercentile(90),
                latencyUs.getValueAtPercentile(99), latencyUs.getMaxValue(),
                k == 0 ? 0 : answeredCounts[0], k == 0 ? 0 : answeredCounts[k / 2],
                k == 0 ? 0 : answeredCounts[k - 1], non2xx, closed, errors, waiting, oldest / 1_000_000);
    }
}
