package org.yimmo.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.yimmo.core.queue.WorkQueue;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;
import org.yimmo.http.HttpExchange;
import org.yimmo.http.HttpResponse;
import org.yimmo.http.HttpServer;
import org.yimmo.wsgi.WsgiServer;
import org.yimmo.wsgi.python.PythonInstallation;
import org.yimmo.wsgi.python.PythonLocator;

/**
 * One request through the WSGI bridge (issue 4): a hello-world WSGI app served by an in-process
 * {@link WsgiServer} with one worker thread ({@code wsgiHello}), next to the same server built
 * without Python ({@code javaHello}): the same select reactor and HTTP server, the same
 * {@link WorkQueue} hand-off to one worker thread (taken one at a time, then up to 16 polled in a
 * row, as WsgiServer's workers do), and a worker that writes the same response (status line, the
 * same two headers, the same 14-byte body) through the same {@link HttpResponse} calls in Java.
 * The difference between the two is what the bridge and Python add per request: the GIL, the
 * environ, the application call, {@code start_response}, reading the status, headers and body
 * back, and closing the iterable.
 *
 * <p>Load: each operation writes a batch of {@value #BATCH} pipelined GET requests on each of
 * {@value #CONNECTIONS} keep-alive connections at once (non-blocking NIO on the benchmark thread)
 * and completes when all the responses are read; times are per request
 * ({@code @OperationsPerInvocation}). With that many requests in flight the worker rarely finds
 * the queue empty, so wake-ups do not dominate. {@code -prof gc}'s {@code gc.alloc.rate.norm}
 * is bytes per request, counted over every thread of the JVM (server, worker and client).
 *
 * <p>Each benchmark runs in its own fork: one JVM hosts one libpython.
 *
 * <p>{@code taskset -c 0 java -jar yimmo-bench/target/benchmarks.jar WsgiBridge -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")
public class WsgiBridgeBenchmark {

    static final int CONNECTIONS = 32;
    static final int BATCH = 8;

    static final String APP = String.join("\n",
            "def app(environ, start_response):",
            "    body = b'Hello, World!\\n'",
            "    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])",
            "    return [body]",
            "");
    static final byte[] BODY = "Hello, World!\n".getBytes(StandardCharsets.US_ASCII);
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration IDLE = Duration.ofSeconds(120);

    /** The WSGI server, {@code -t 1}, the app written to a temporary directory on its python path. */
    @State(Scope.Benchmark)
    public static class WsgiApp {
        private Path dir;
        private WsgiServer server;
        Client client;

        @Setup(Level.Trial)
        public void start() throws IOException {
            dir = Files.createTempDirectory("yimmo-wsgi-bench");
            Files.writeString(dir.resolve("bench_hello.py"), APP);
            PythonInstallation python = new PythonLocator().locate(null); // VIRTUAL_ENV, else python3 on PATH
            System.out.println("# python: " + python);
            server = WsgiServer.start(new WsgiServer.Options(python, "bench_hello", "app", "127.0.0.1:0", "127.0.0.1",
                    "select", 1, 1, "", IDLE, List.of(dir)));
            client = new Client(server.address());
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            client.close();
            server.shutdown(GRACE);
            Files.deleteIfExists(dir.resolve("bench_hello.py"));
            Files.deleteIfExists(dir);
        }
    }

    /** The Java-only peer: WsgiServer's structure with a Java worker instead of the bridge. */
    @State(Scope.Benchmark)
    public static class JavaPeer {
        private static final int QUEUE_CAPACITY = 1024;
        private static final int BURST = 16;
        /** The worker's one body buffer, reused as the bridge reuses its own: nothing allocated per request. */
        private final ByteBuffer body = ByteBuffer.wrap(BODY);
        private static final String LENGTH = Integer.toString(BODY.length);

        private Reactor reactor;
        private HttpServer http;
        private WorkQueue<HttpExchange> queue;
        private Thread loop;
        private Thread worker;
        Client client;

        @Setup(Level.Trial)
        public void start() throws IOException {
            reactor = ReactorSelection.open("select", ReactorOptions.defaults());
            ArrayDeque<HttpExchange> overflow = new ArrayDeque<>();
            queue = new WorkQueue<>(QUEUE_CAPACITY, reactor, () -> {
                while (!overflow.isEmpty() && queue.offer(overflow.peekFirst())) {
                    overflow.pollFirst();
                }
            });
            http = HttpServer.builder()
                    .reactor(reactor)
                    .listen("127.0.0.1:0")
                    .idleTimeout(IDLE)
                    .handler(exchange -> {
                        if (!overflow.isEmpty() || !queue.offer(exchange)) {
                            overflow.addLast(exchange);
                        }
                    })
                    .start();
            worker = new Thread(this::work, "java-worker-0");
            worker.start();
            loop = reactor.start("java-server");
            client = new Client((InetSocketAddress) http.localAddresses().get(0));
        }

        private void work() {
            try {
                for (HttpExchange exchange; (exchange = queue.take()) != null; ) {
                    serve(exchange);
                    for (int served = 1; served < BURST && (exchange = queue.poll()) != null; served++) {
                        serve(exchange);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** What the bridge does with the app's answer, in Java: head, one body chunk, end. */
        private void serve(HttpExchange exchange) throws IOException {
            HttpResponse response = exchange.response();
            response.start(200, "OK").header("Content-Type", "text/plain").header("Content-Length", LENGTH);
            body.clear();
            response.writeFully(body);
            response.end();
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException, InterruptedException {
            client.close();
            http.shutdown(GRACE);
            reactor.execute(queue::close);
            worker.join(GRACE.toMillis());
            reactor.close();
            loop.join(GRACE.toMillis());
        }
    }

    @Benchmark
    @OperationsPerInvocation(CONNECTIONS * BATCH)
    public int wsgiHello(WsgiApp state) throws IOException {
        return state.client.round();
    }

    @Benchmark
    @OperationsPerInvocation(CONNECTIONS * BATCH)
    public int javaHello(JavaPeer state) throws IOException {
        return state.client.round();
    }

    /**
     * {@value #CONNECTIONS} keep-alive connections; {@link #round} writes {@value #BATCH}
     * pipelined requests on each and reads the responses back, checking each is a 200 with the
     * hello body. Allocation-free after setup.
     */
    static final class Client implements AutoCloseable {
        private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] STATUS = "HTTP/1.1 200 ".getBytes(StandardCharsets.US_ASCII);

        private final Selector selector;
        private final SocketChannel[] channels = new SocketChannel[CONNECTIONS];
        private final Conn[] conns = new Conn[CONNECTIONS];
        private final ByteBuffer requests;
        private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        private int pending;

        /** Per connection response parser: the head up to CRLFCRLF, then the body. */
        private static final class Conn {
            final SocketChannel channel;
            int remaining;
            int headAt; // bytes of the current head seen so far
            int crlf;   // how much of "\r\n\r\n" matched
            int body;   // body bytes still to read, -1 while in the head

            Conn(SocketChannel channel) {
                this.channel = channel;
            }
        }

        Client(InetSocketAddress address) throws IOException {
            selector = Selector.open();
            ByteBuffer batch = ByteBuffer.allocateDirect(REQUEST.length * BATCH);
            for (int i = 0; i < BATCH; i++) {
                batch.put(REQUEST);
            }
            requests = batch.flip();
            for (int i = 0; i < CONNECTIONS; i++) {
                SocketChannel channel = SocketChannel.open(address);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                channels[i] = channel;
                conns[i] = new Conn(channel);
                channel.register(selector, SelectionKey.OP_READ, conns[i]);
            }
            round(); // fails fast if the server does not answer as expected
        }

        int round() throws IOException {
            for (int i = 0; i < CONNECTIONS; i++) {
                Conn conn = conns[i];
                conn.remaining = BATCH;
                conn.headAt = 0;
                conn.crlf = 0;
                conn.body = -1;
                ByteBuffer batch = requests.duplicate();
                while (batch.hasRemaining()) {
                    if (conn.channel.write(batch) == 0) {
                        throw new IllegalStateException("socket buffer full writing a batch");
                    }
                }
            }
            pending = CONNECTIONS;
            while (pending > 0) {
                selector.select(this::readable);
            }
            return CONNECTIONS * BATCH;
        }

        private void readable(SelectionKey key) {
            Conn conn = (Conn) key.attachment();
            try {
                for (;;) {
                    in.clear();
                    int n = conn.channel.read(in);
                    if (n < 0) {
                        throw new IllegalStateException("server closed a connection");
                    }
                    if (n == 0) {
                        return;
                    }
                    parse(conn, n);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private void parse(Conn conn, int n) {
            for (int i = 0; i < n; i++) {
                byte b = in.get(i);
                if (conn.body < 0) {
                    if (conn.headAt < STATUS.length && b != STATUS[conn.headAt]) {
                        throw new IllegalStateException("not a 200 response");
                    }
                    conn.headAt++;
                    conn.crlf = b == (conn.crlf % 2 == 0 ? '\r' : '\n') ? conn.crlf + 1 : (b == '\r' ? 1 : 0);
                    if (conn.crlf == 4) {
                        conn.body = BODY.length;
                        conn.crlf = 0;
                        conn.headAt = 0;
                    }
                } else {
                    if (b != BODY[BODY.length - conn.body]) {
                        throw new IllegalStateException("unexpected body");
                    }
                    if (--conn.body == 0) {
                        conn.body = -1;
                        if (--conn.remaining == 0) {
                            pending--;
                        } else if (conn.remaining < 0) {
                            throw new IllegalStateException("more responses than requests");
                        }
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            for (SocketChannel channel : channels) {
                if (channel != null) {
                    channel.close();
                }
            }
            selector.close();
        }
    }
}
