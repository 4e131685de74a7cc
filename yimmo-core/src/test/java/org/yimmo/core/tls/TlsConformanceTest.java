package org.yimmo.core.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.EchoHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorProvider;
import org.yimmo.core.testing.OnLoop;

/**
 * TLS over a backend's connections: the {@link TlsConnection} decorator must keep the Connection
 * contract on every reactor. A backend module runs all of it with a subclass that supplies its
 * provider, like the reactor conformance suite. The client side is the JDK's SSLSocket, or a
 * plain socket where the test must misbehave.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class TlsConformanceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<Reactor> reactors = new ArrayList<>();
    private final List<Thread> loops = new ArrayList<>();
    private TestCertificates certificates;
    private SSLContext client;

    protected abstract ReactorProvider provider();

    /** The TLS engine under test: the JDK's unless a subclass names a provider's. */
    protected String engine() {
        return TlsContext.ENGINE_JDK;
    }

    private TlsContext serverContext() {
        TlsContext context = certificates.serverContext(engine());
        assertTrue(context.engine().startsWith(engine()), "engine " + context.engine() + ", not " + engine());
        return context;
    }

    @BeforeEach
    void certificates() throws Exception {
        certificates = TestCertificates.localhost();
        client = certificates.clientContext();
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        reactors.forEach(Reactor::close);
        for (Thread loop : loops) {
            loop.join(WAIT.toMillis());
            assertFalse(loop.isAlive(), "reactor thread did not stop after close()");
        }
    }

    private Reactor startedReactor() throws IOException {
        Reactor reactor = provider().create(ReactorOptions.defaults());
        reactors.add(reactor);
        loops.add(reactor.start("tls-reactor-under-test"));
        return reactor;
    }

    private Listener listen(Reactor reactor, TlsContext tls, ProtocolFactory protocol) throws IOException {
        return reactor.listen(ListenAddress.tcp("127.0.0.1", 0), tls.wrap(protocol, WAIT));
    }

    private SSLSocket tlsClient(Listener listener, String... protocols) throws IOException {
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket();
        socket.connect(address, (int) WAIT.toMillis());
        socket.setSoTimeout((int) WAIT.toMillis());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        if (protocols.length > 0) {
            parameters.setProtocols(protocols);
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private static Socket plainClient(Listener listener) throws IOException {
        Socket socket = new Socket();
        socket.connect(listener.localAddress(), (int) WAIT.toMillis());
        socket.setSoTimeout((int) WAIT.toMillis());
        return socket;
    }

    private static void awaitOnLoop(Reactor reactor, BooleanSupplier condition) throws Exception {
        OnLoop.await(reactor, condition, WAIT);
    }

    /** The listener still serves a good client, and every TLS buffer went back to the pool. */
    private void assertStillServes(Reactor reactor, TlsContext tls, Listener listener) throws Exception {
        try (SSLSocket socket = tlsClient(listener)) {
            echoRoundTrip(socket, 1000, 1);
        }
        awaitOnLoop(reactor, () -> tls.buffers().inUse() == 0);
    }

    private static void echoRoundTrip(Socket socket, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        socket.getOutputStream().write(data);
        socket.getOutputStream().flush();
        assertArrayEquals(data, socket.getInputStream().readNBytes(size));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldEchoOverEachProtocolVersionWithAlpn(String version) throws Exception {
        Reactor reactor = startedReactor();
        TlsContext tls = serverContext();
        Listener listener = listen(reactor, tls, c -> new EchoHandler());
        try (SSLSocket socket = tlsClient(listener, version)) {
            assertEquals(version, socket.getSession().getProtocol());
            assertEquals("http/1.1", socket.getApplicationProtocol());
            echoRoundTrip(socket, 100, 1);
            echoRoundTrip(socket, 100_000, 2);
        }
        awaitOnLoop(reactor, () -> tls.buffers().inUse() == 0);
    }

    /**
     * Whether the engine under test takes a TLS 1.2 client's renegotiation; one that refuses it
     * (as nginx and OpenSSL 3 do by default) must refuse it cleanly.
     */
    protected boolean renegotiates() {
        return true;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldGoOnAfterAKeyUpdateOrRenegotiation(String version) throws Exception {
        Reactor reactor = startedReactor();
        Listener listener = listen(reactor, serverContext(), c -> new EchoHandler());
        boolean renegotiation = version.equals("TLSv1.2");
        try (SSLSocket socket = tlsClient(listener, version)) {
            echoRoundTrip(socket, 5_000, 3);
            socket.startHandshake(); // TLS 1.3: KeyUpdate; TLS 1.2: a renegotiation
            if (renegotiation && !renegotiates()) {
                assertThrows(IOException.class, () -> echoRoundTrip(socket, 70_000, 4), "renegotiation refused");
                return;
            }
            echoRoundTrip(socket, 70_000, 4);
            socket.startHandshake();
            echoRoundTrip(socket, 10, 5);
        } finally {
            try (SSLSocket other = tlsClient(listener, version)) {
                echoRoundTrip(other, 1_000, 6); // the server goes on, whatever became of that connection
            }
        }
    }

    @Test
    void shouldRunDelegatedTasksInlineWhenAsked() throws Exception {
        Reactor reactor = startedReactor();
        Listener listener = listen(reactor, serverContext().withDelegatedTasks(null), c -> new EchoHandler());
        for (int i = 0; i < 3; i++) {
            try (SSLSocket socket = tlsClient(listener)) {
                echoRoundTrip(socket, 1000, i);
            }
        }
    }

    /**
     * 16 MiB echoed while the client is still sending: the echo handler reads one buffer per
     * readable event and pauses on a full socket, so plaintext left in TLS buffers must be
     * announced again and the pause must hold.
     */
    @Test
    void shouldEchoLargeVolumesWithBackPressure() throws Exception {
        Reactor reactor = startedReactor();
        TlsContext tls = serverContext();
        Listener listener = listen(reactor, tls, c -> new EchoHandler());
        int total = 16 << 20;
        try (SSLSocket socket = tlsClient(listener)) {
            CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    Random random = new Random(7);
                    byte[] chunk = new byte[50_000];
                    OutputStream out = socket.getOutputStream();
                    for (int written = 0; written < total; written += chunk.length) {
                        random.nextBytes(chunk);
                        int n = Math.min(chunk.length, total - written);
                        out.write(chunk, 0, n);
                        digest.update(chunk, 0, n);
                    }
                    out.flush();
                    return digest.digest();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            for (int received = 0; received < total; ) {
                int n = in.read(buffer, 0, Math.min(buffer.length, total - received));
                assertTrue(n > 0, "stream ended after " + received);
                digest.update(buffer, 0, n);
                received += n;
            }
            assertArrayEquals(sent.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), digest.digest());
        }
        awaitOnLoop(reactor, () -> tls.buffers().inUse() == 0);
    }

    /** A client that reads one byte at a time, after a pause that fills every socket buffer. */
    @Test
    void shouldServeASlowReader() throws Exception {
        Reactor reactor = startedReactor();
        int total = 2 << 20;
        byte[] payload = new byte[total];
        new Random(11).nextBytes(payload);
        Listener listener = listen(reactor, serverContext(), c -> new ConnectionHandler() {
            final ByteBuffer out = ByteBuffer.wrap(payload);

            @Override
            public void onOpen(Connection connection) throws IOException {
                onWritable(connection);
            }

            @Override
            public void onReadable(Connection connection) throws IOException {
                ByteBuffer sink = ByteBuffer.allocate(1024);
                if (connection.read(sink) < 0) {
                    connection.close();
                }
            }

            @Override
            public void onWritable(Connection connection) throws IOException {
                connection.write(out);
                if (out.hasRemaining()) {
                    connection.requestWritable();
                } else {
                    connection.shutdownOutput();
                }
            }
        });
        try (SSLSocket socket = tlsClient(listener)) {
            Thread.sleep(300);
            InputStream in = socket.getInputStream();
            for (int i = 0; i < total; i++) {
                int b = in.read();
                assertEquals(payload[i] & 0xff, b, "byte " + i);
            }
            assertEquals(-1, in.read(), "close_notify after the payload");
        }
    }

    @Test
    void shouldSendCloseNotifyOnShutdownOutputAndOnClose() throws Exception {
        Reactor reactor = startedReactor();
        Listener listener = listen(reactor, serverContext(), c -> new ConnectionHandler() {
            @Override
            public void onOpen(Connection connection) throws IOException {
                connection.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
                connection.close();
            }

            @Override
            public void onReadable(Connection connection) {
            }
        });
        try (SSLSocket socket = tlsClient(listener)) {
            InputStream in = socket.getInputStream();
            assertArrayEquals("bye".getBytes(StandardCharsets.US_ASCII), in.readNBytes(3));
            assertEquals(-1, in.read()); // an SSLSocket sees close_notify as the end of stream
        }
    }

    @Test
    void shouldAnswerPlainHttpWith400AndKeepServing() throws Exception {
        Reactor reactor = startedReactor();
        TlsContext tls = serverContext();
        Listener listener = listen(reactor, tls, c -> new EchoHandler());
        try (Socket socket = plainClient(listener)) {
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
            assertTrue(answer.contains("plain HTTP request was sent to an HTTPS port"), answer);
        }
        assertStillServes(reactor, tls, listener);
    }

    @Test
    void shouldCloseAClientThatDropsMidHandshake() throws Exception {
        Reactor reactor = startedReactor();
        TlsContext tls = serverContext();
        Listener listener = listen(reactor, tls, c -> new EchoHandler());
        try (Socket socket = plainClient(listener)) {
            // A handshake record header promising 512 bytes, then 3 of them, then the end.
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01});
            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read());
        }
        try (Socket socket = plainClient(listener)) {
            // Garbage that is no TLS record at all: the engine fails, the server sends an alert and closes.
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4});
            socket.getInputStream().readAllBytes();
        }
        assertStillServes(reactor, tls, listener);
    }

    @Test
    void shouldCloseOnATruncatedRecordWithTheCause() throws Exception {
        Reactor reactor = startedReactor();
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        Listener listener = listen(reactor, serverContext(), c -> new EchoHandler() {
            @Override
            public void onClosed(Connection connection, Throwable cause) {
                super.onClosed(connection, cause);
                closed.complete(cause);
            }
        });
        Socket plain = plainClient(listener);
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, "localhost",
                plain.getPort(), true)) {
            socket.startHandshake();
            echoRoundTrip(socket, 100, 1);
            // An application-data record header promising 64 bytes, 3 of them, then the end.
            plain.getOutputStream().write(new byte[] {0x17, 0x03, 0x03, 0x00, 0x40, 1, 2, 3});
            plain.shutdownOutput();
            Throwable cause = closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertInstanceOf(SSLException.class, cause);
            assertTrue(cause.getMessage().contains("truncated"), cause.toString());
        }
    }

    @Test
    void shouldCloseAHandshakeThatTakesTooLong() throws Exception {
        Reactor reactor = startedReactor();
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0),
                serverContext().wrap(c -> new EchoHandler(), Duration.ofMillis(200)));
        try (Socket socket = plainClient(listener)) {
            long start = System.nanoTime();
            assertEquals(-1, socket.getInputStream().read());
            assertTrue(System.nanoTime() - start < WAIT.toNanos() / 2);
        }
    }

    @Test
    void shouldHoldNoBufferOnIdleConnections() throws Exception {
        Reactor reactor = startedReactor();
        TlsContext tls = serverContext();
        Listener listener = listen(reactor, tls, c -> new EchoHandler());
        List<SSLSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                SSLSocket socket = tlsClient(listener);
                sockets.add(socket);
                echoRoundTrip(socket, 20_000, i);
            }
            awaitOnLoop(reactor, () -> tls.buffers().inUse() == 0);
        } finally {
            for (SSLSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
