package org.yimmo.bench.load;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.timer.TimerTask;

/**
 * One connection slot of the generator: keeps up to {@code --pipeline} requests in flight on its
 * socket, matches responses to them in order, and opens a new socket when the old one ends (after
 * every response with {@code --close}, when the server closes it, or after an error). In the open
 * loop a request is sent when its {@link Schedule} says it is due, or at once if that time has
 * passed.
 *
 * <p>Not thread safe: everything runs on the owning {@link LoadThread}'s reactor thread. The hot
 * path allocates nothing: requests are views of buffers encoded once, responses are read into the
 * thread's one buffer and parsed in place, the send times live in two rings of longs, and the
 * timer tasks are created once.
 */
final class LoadConnection implements ConnectionHandler {

    private static final long CONNECT_RETRY_NANOS = 10_000_000L;

    private final LoadThread owner;
    private final RequestTemplate template;
    private final ByteBuffer[] requests;
    private final ResponseParser parser = new ResponseParser();
    private final Schedule schedule;
    private final int depth;
    private final boolean closeEach;
    private final long[] due;
    private final long[] sent;
    private final byte[] kinds;
    private final TimerTask sendDue = (id, now) -> onSendDue(now);
    private final TimerTask retry = (id, now) -> connect(now);

    private Connection connection;
    private boolean opened;
    private boolean dropping;
    private long connectStart;
    private int head;
    private int inFlight;
    private int unwritten;
    private ByteBuffer writing;
    private long sequence;
    private int sentOnThisConnection;
    private long sendTimer;

    /**
     * @param schedule null for the closed loop
     * @param firstKind where this connection starts in the template's cycle of kinds
     */
    LoadConnection(LoadThread owner, RequestTemplate template, Schedule schedule, int firstKind) {
        this.owner = owner;
        this.template = template;
        this.requests = template.buffers();
        this.schedule = schedule;
        this.depth = owner.options().pipeline();
        this.closeEach = owner.options().close();
        this.due = new long[depth];
        this.sent = new long[depth];
        this.kinds = new byte[depth];
        this.sequence = firstKind;
    }

    /** Opens the socket; on the reactor thread. */
    void connect(long now) {
        connection = null;
        opened = false;
        dropping = false;
        head = 0;
        inFlight = 0;
        unwritten = 0;
        writing = null;
        sentOnThisConnection = 0;
        parser.reset(false);
        if (!owner.running()) {
            return;
        }
        connectStart = now;
        try {
            Connection made = owner.reactor().connect(owner.remote(), this);
            if (connection == null && made.isOpen()) {
                connection = made;
            }
        } catch (IOException e) {
            owner.error(ErrorKind.CONNECT, now);
            owner.reactor().timers().schedule(now + CONNECT_RETRY_NANOS, retry);
        }
    }

    @Override
    public void onOpen(Connection c) throws IOException {
        connection = c;
        opened = true;
        fill(owner.reactor().nanoTime());
    }

    @Override
    public void onWritable(Connection c) throws IOException {
        flush();
    }

    @Override
    public void onReadable(Connection c) throws IOException {
        long now = owner.reactor().nanoTime();
        ByteBuffer in = owner.readBuffer();
        in.clear();
        int n = c.read(in);
        if (n < 0) {
            if (inFlight > 0 && parser.endOfStream()) {
                complete(now);
            }
            if (inFlight > 0 || !parser.idle()) {
                drop(ErrorKind.READ, now);
            } else {
                dropping = true; // the server closed an idle connection: no error, open another
                c.close();
            }
            return;
        }
        owner.addBytesRead(n);
        in.flip();
        while (in.hasRemaining() && !dropping) {
            if (inFlight == unwritten) {
                drop(ErrorKind.PARSE, now); // bytes nobody asked for
                return;
            }
            if (parser.idle()) {
                parser.reset(template.isHead(kinds[head]));
            }
            boolean done;
            try {
                done = parser.parse(in);
            } catch (ResponseParser.MalformedResponse e) {
                drop(ErrorKind.PARSE, now);
                return;
            }
            if (!done) {
                break;
            }
            complete(now);
        }
        fill(now);
    }

    @Override
    public void onClosed(Connection c, Throwable cause) {
        if (connection != null && c != connection) {
            return;
        }
        long now = owner.reactor().nanoTime();
        if (sendTimer != 0) {
            owner.reactor().timers().cancel(sendTimer);
            sendTimer = 0;
        }
        boolean expected = dropping;
        boolean wasOpen = opened;
        connection = null;
        if (!expected) {
            owner.error(wasOpen ? ErrorKind.READ : ErrorKind.CONNECT, now);
        }
        if (!owner.running()) {
            return;
        }
        if (!wasOpen && !expected) {
            owner.reactor().timers().schedule(now + CONNECT_RETRY_NANOS, retry);
        } else {
            connect(now);
        }
    }

    /** Called by the thread's sweep: drops the connection if its oldest request is too old. */
    void checkTimeout(long now, long timeoutNanos) {
        if (connection == null || dropping) {
            return;
        }
        if (!opened && now - connectStart > timeoutNanos) {
            drop(ErrorKind.CONNECT, now);
        } else if (inFlight > unwritten && now - sent[head] > timeoutNanos) {
            drop(ErrorKind.TIMEOUT, now);
        } else if (inFlight > 0 && unwritten == inFlight && now - sent[head] > timeoutNanos) {
            drop(ErrorKind.TIMEOUT, now); // the server stopped reading
        }
    }

    /** Requests sent and not answered. */
    int inFlight() {
        return inFlight - unwritten;
    }

    private void onSendDue(long now) {
        sendTimer = 0;
        try {
            fill(now);
        } catch (IOException e) {
            drop(ErrorKind.READ, now);
        }
    }

    /** Queues as many requests as the pipeline, the schedule and --close allow, and writes them. */
    private void fill(long now) throws IOException {
        if (!opened || dropping || connection == null) {
            return;
        }
        while (inFlight < depth && !(closeEach && sentOnThisConnection > 0)) {
            long dueAt;
            if (schedule != null) {
                dueAt = schedule.due();
                if (dueAt > now) {
                    if (sendTimer == 0) {
                        sendTimer = owner.reactor().timers().schedule(dueAt, sendDue);
                    }
                    break;
                }
                schedule.advance();
            } else {
                dueAt = closeEach ? connectStart : now;
            }
            int slot = (head + inFlight) % depth;
            due[slot] = dueAt;
            sent[slot] = now;
            kinds[slot] = (byte) template.kindAt(sequence++);
            inFlight++;
            unwritten++;
            sentOnThisConnection++;
        }
        flush();
    }

    private void flush() throws IOException {
        while (true) {
            if (writing == null) {
                if (unwritten == 0) {
                    return;
                }
                writing = requests[kinds[(head + inFlight - unwritten) % depth]];
                writing.clear();
            }
            connection.write(writing);
            if (writing.hasRemaining()) {
                connection.requestWritable();
                return;
            }
            writing = null;
            unwritten--;
        }
    }

    private void complete(long now) {
        owner.record(due[head], sent[head], now, parser.status());
        boolean closeAfter = closeEach || parser.closeAfter();
        head = (head + 1) % depth;
        inFlight--;
        parser.reset(false);
        if (closeAfter) {
            if (inFlight > 0) {
                drop(ErrorKind.READ, now); // pipelined requests the server will not answer
            } else {
                dropping = true;
                connection.close();
            }
        }
    }

    private void drop(ErrorKind kind, long now) {
        if (dropping) {
            return;
        }
        owner.error(kind, now);
        dropping = true;
        if (connection != null) {
            connection.close();
        }
    }
}
