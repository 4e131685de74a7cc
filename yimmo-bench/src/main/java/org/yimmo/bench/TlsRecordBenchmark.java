package org.yimmo.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
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
import org.yimmo.core.tls.TlsConfig;
import org.yimmo.core.tls.TlsContext;
import org.yimmo.tls.openssl.OpenSslEngineProvider;

/**
 * What TLS costs per keep-alive request in the JDK's record layer, without sockets: one
 * {@code /status} request and its response through a pair of {@link SSLEngine}s (the server's
 * from {@link TlsContext}, with an EC P-256 certificate made by openssl at setup). Per operation
 * the client wraps the request, the server unwraps it and wraps the response, the client unwraps
 * that: each side does one wrap and one unwrap of about the same size, so the server's share is
 * about half of the time.
 *
 * <p>Parameters: the buffers the engines work on ({@code direct}, as {@code TlsConnection}'s
 * pooled network buffers are, or {@code heap}), and the TLS 1.3 cipher suite. Compare with the
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

    /** The server's engine: the JDK's, or yimmo-tls-openssl's (the client is always the JDK's). */
    @Param({"jdk", "openssl"})
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
        Path dir = Files.createTempDirectory("tls-record-benchmark");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost");
        TlsContext tls = TlsContext.load(new TlsConfig(cert, key));

        if (engine.equals("openssl")) {
            server = new OpenSslEngineProvider().newFactory(certificates(cert), privateKey(key), List.of("http/1.1"))
                    .newEngine(null);
        } else {
            server = tls.sslContext().createSSLEngine();
            server.setUseClientMode(false);
            SSLParameters serverParameters = server.getSSLParameters();
            serverParameters.setProtocols(TlsContext.PROTOCOLS.toArray(String[]::new));
            serverParameters.setUseCipherSuitesOrder(true);
            server.setSSLParameters(serverParameters);
        }

        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, new TrustManager[] {new TrustingEveryone()}, null);
        client = clientContext.createSSLEngine("localhost", 8443);
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

    /** {@code from} wraps {@code message} into the record buffer {@code net}; {@code to} unwraps it into {@code app}. */
    private static void send(SSLEngine from, ByteBuffer message, ByteBuffer net, SSLEngine to, ByteBuffer app)
            throws SSLException {
        message.rewind();
        net.clear();
        from.wrap(message, net);
        net.flip();
        app.clear();
        to.unwrap(net, app);
    }

    private ByteBuffer allocate(int size) {
        return buffers.equals("direct") ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /** Runs both engines until neither is handshaking, then delivers what is left (TLS 1.3's tickets). */
    private void handshake() throws SSLException {
        ByteBuffer empty = allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100 && (handshaking(client) || handshaking(server)); step++) {
            advance(client, toServer, toClient, clientApp, empty);
            advance(server, toClient, toServer, serverApp, empty);
        }
        deliver(server, toServer, serverApp);
        deliver(client, toClient, clientApp);
    }

    private static boolean handshaking(SSLEngine engine) {
        return engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING;
    }

    /** One handshake step of {@code engine}; {@code out} and {@code in} are kept in fill mode. */
    private static void advance(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer app, ByteBuffer empty)
            throws SSLException {
        switch (engine.getHandshakeStatus()) {
            case NEED_TASK -> {
                for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                    task.run();
                }
            }
            case NEED_WRAP -> engine.wrap(empty, out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                engine.unwrap(in, app);
                in.compact();
            }
            default -> {
            }
        }
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

    private static List<X509Certificate> certificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(c -> (X509Certificate) c).toList();
        }
    }

    /** The PKCS#8 EC key openssl wrote. */
    private static PrivateKey privateKey(Path pem) throws Exception {
        String base64 = Files.readString(pem, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s+", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (process.waitFor() != 0) {
            throw new IOException("openssl failed: " + new String(output, StandardCharsets.UTF_8));
        }
    }

    /** The benchmark's client talks to its own server only. */
    private static final class TrustingEveryone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
