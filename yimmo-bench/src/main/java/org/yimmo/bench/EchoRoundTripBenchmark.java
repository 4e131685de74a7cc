package org.yimmo.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.yimmo.core.net.EchoHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;

/**
 * A 64-byte loopback echo round trip: a blocking client writes and reads back through an echo
 * server running on a reactor, next to the same through a thread-per-connection blocking echo
 * server (the peer: the least a loopback round trip costs in Java).
 *
 * <p>{@code java -jar yimmo-bench/target/benchmarks.jar EchoRoundTrip -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")
@State(Scope.Benchmark)
public class EchoRoundTripBenchmark {

    /** {@code select} (or another reactor name), or {@code blocking} for the thread-per-connection peer. */
    @Param({"select", "epoll", "blocking"})
    public String server;

    private Reactor reactor;
    private Thread loop;
    private ServerSocket blockingServer;
    private InetSocketAddress address;
    private SocketChannel client;
    private final ByteBuffer request = ByteBuffer.allocateDirect(64);
    private final ByteBuffer response = ByteBuffer.allocateDirect(64);

    @Setup(Level.Trial)
    public void start() throws IOException {
        if (server.equals("blocking")) {
            blockingServer = new ServerSocket(0, 64, java.net.InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::serveBlocking, "blocking-echo");
            acceptor.setDaemon(true);
            acceptor.start();
            address = (InetSocketAddress) blockingServer.getLocalSocketAddress();
        } else {
            reactor = ReactorSelection.open(server, ReactorOptions.defaults());
            Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new EchoHandler());
            loop = reactor.start("echo-reactor");
            address = (InetSocketAddress) listener.localAddress();
        }
        client = SocketChannel.open(address);
        client.socket().setTcpNoDelay(true);
        while (request.hasRemaining()) {
            request.put((byte) request.position());
        }
    }

    private void serveBlocking() {
        while (!blockingServer.isClosed()) {
            try {
                Socket socket = blockingServer.accept();
                socket.setTcpNoDelay(true);
                Thread connection = new Thread(() -> echo(socket), "blocking-echo-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echo(Socket socket) {
        byte[] buffer = new byte[16 * 1024];
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // the client went away: the connection thread ends
        }
    }

    @Benchmark
    public int roundTrip() throws IOException {
        request.clear();
        while (request.hasRemaining()) {
            client.write(request);
        }
        response.clear();
        while (response.hasRemaining()) {
            if (client.read(response) < 0) {
                throw new IOException("echo server closed the connection");
            }
        }
        return response.get(63);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        client.close();
        if (reactor != null) {
            reactor.close();
            loop.join(5_000);
        }
        if (blockingServer != null) {
            blockingServer.close();
        }
    }
}
