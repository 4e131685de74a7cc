package org.yimmo.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What TLS costs per keep-alive request in the record layer, without sockets: one
 * {@code /status} request and its response through a pair of {@link SSLEngine}s (the client's the
 * JDK's, the server's from {@code TlsContext} on the engine under test, with an EC P-256
 * certificate made by openssl at setup). Per operation
 * the client wraps the request, the server unwraps it and wraps the response, the client unwraps
 * that: each side does one wrap and one unwrap of about the same size, so the server's share is
 * about half of the time.
 *
 * <p>Parameters: the buffers the engines work on ({@code direct}, as {@code TlsConnection}'s
 * pooled network buffers are, or {@code heap}), the TLS 1.3 cipher suite, and the server's engine. Compare with the
 * plain request's whole cost in the server (about 4.6 µs of CPU on this machine, docs/BENCHMARKS.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TlsRecordBenchmark {

    private static final byte[] REQUEST = "GET /status HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nServer: yimmo\r\nDate: Sun, 22 Nov 2026 07:00:00 GMT\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK").getBytes(StandardCharsets.ISO_8859_1);

    @Param({"direct", "heap"})
    public String buffers;

    @Param({"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"})
    public String cipherSuite;

    /** The server's engine: the JDK's, or one of yimmo-tls-openssl's (the client is always the JDK's). */
    @Param({"jdk", "openssl", "boringssl"})
    public String engine;

    private SSLEngine server;
    private SSLEngine client;
    private ByteBuffer request;
    private ByteBuffer response;
    private ByteBuffer toServer;
    private ByteBuffer toClient;
    private ByteBuffer serverApp;
    private ByteBuffer clientApp;

    @Setup
    public void setUp() throws Exception {
        server = TlsBench.serverContext(engine).newEngine(null);
        client = TlsBench.trustingClient().createSSLEngine("localhost", 8443);
        client.setUseClientMode(true);
        client.setEnabledCipherSuites(new String[] {cipherSuite});

        int packet = server.getSession().getPacketBufferSize();
        toServer = allocate(packet);
        toClient = allocate(packet);
        serverApp = allocate(server.getSession().getApplicationBufferSize());
        clientApp = allocate(client.getSession().getApplicationBufferSize());
        request = allocate(REQUEST.length).put(REQUEST).flip();
        response = allocate(RESPONSE.length).put(RESPONSE).flip();
        handshake();
        if (!server.getSession().getCipherSuite().equals(cipherSuite)) {
            throw new IllegalStateException("negotiated " + server.getSession().getCipherSuite());
        }
    }

    @Benchmark
    public int requestAndResponse() throws SSLException {
        send(client, request, toServer, server, serverApp);
        send(server, response, toClient, client, clientApp);
        return clientApp.position();
    }

    /**
     * {@code from} wraps {@code message} into the record buffer {@code net}; {@code to} unwraps
     * every record of it into {@code app} (BoringSSL sends its session tickets with the first).
     */
    private static void send(SSLEngine from, ByteBuffer message, ByteBuffer net, SSLEngine to, ByteBuffer app)
            throws SSLException {
        message.rewind();
        net.clear();
        from.wrap(message, net);
        net.flip();
        app.clear();
        while (net.hasRemaining()) {
            to.unwrap(net, app);
        }
    }

    private ByteBuffer allocate(int size) {
        return buffers.equals("direct") ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /** Runs both engines until neither is handshaking, then delivers what is left (TLS 1.3's tickets). */
    private void handshake() throws SSLException {
        TlsBench.handshake(client, server, toServer, toClient, allocate(clientApp.capacity()), allocate(0));
        deliver(server, toServer, serverApp);
        deliver(client, toClient, clientApp);
    }

    /** Unwraps every record still waiting in {@code in} (fill mode) for {@code engine}. */
    private static void deliver(SSLEngine engine, ByteBuffer in, ByteBuffer app) throws SSLException {
        in.flip();
        while (in.hasRemaining()) {
            app.clear();
            engine.unwrap(in, app);
        }
        in.clear();
    }
}
