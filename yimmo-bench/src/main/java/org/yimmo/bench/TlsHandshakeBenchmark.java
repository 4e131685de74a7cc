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
import org.yimmo.core.tls.TlsEngineFactory;
import org.yimmo.tls.openssl.OpenSslEngineProvider;

/**
 * One full TLS 1.3 handshake (EC P-256 certificate, no resumption) between a JDK client engine
 * and the server engine under test, in memory, delegated tasks inline: both sides' work, so the
 * server's share is what changes between {@code jdk} and {@code openssl}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TlsHandshakeBenchmark {

    @Param({"jdk", "openssl"})
    public String engine;

    private SSLContext serverContext;
    private TlsEngineFactory openssl;
    private SSLContext clientContext;
    private final ByteBuffer toServer = ByteBuffer.allocateDirect(1 << 16);
    private final ByteBuffer toClient = ByteBuffer.allocateDirect(1 << 16);
    private final ByteBuffer app = ByteBuffer.allocateDirect(1 << 16);
    private final ByteBuffer empty = ByteBuffer.allocateDirect(0);

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("tls-handshake-benchmark");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process process = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=localhost").redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (process.waitFor() != 0) {
            throw new IOException("openssl failed: " + new String(output, StandardCharsets.UTF_8));
        }
        serverContext = TlsContext.load(new TlsConfig(cert, key), TlsContext.ENGINE_JDK).sslContext();
        List<X509Certificate> chain;
        try (InputStream in = Files.newInputStream(cert)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(c -> (X509Certificate) c).toList();
        }
        String base64 = Files.readString(key, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s+", "");
        PrivateKey privateKey = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        openssl = new OpenSslEngineProvider().newFactory(chain, privateKey, List.of("http/1.1"));
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, new TrustManager[] {new TrustingEveryone()}, null);
        clientContext.getClientSessionContext().setSessionCacheSize(1);
    }

    @Benchmark
    public Object handshake() throws SSLException {
        SSLEngine server;
        if (engine.equals("openssl")) {
            server = openssl.newEngine(null);
        } else {
            server = serverContext.createSSLEngine();
            server.setUseClientMode(false);
            SSLParameters parameters = server.getSSLParameters();
            parameters.setProtocols(new String[] {"TLSv1.3"});
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            server.setSSLParameters(parameters);
        }
        // A new peer each time: no resumption.
        SSLEngine client = clientContext.createSSLEngine("client" + System.nanoTime(), 443);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3"});
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        client.setSSLParameters(parameters);
        toServer.clear();
        toClient.clear();
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100 && (busy(client) || busy(server)); step++) {
            advance(client, toServer, toClient);
            advance(server, toClient, toServer);
        }
        if (busy(client) || busy(server)) {
            throw new IllegalStateException("handshake stuck");
        }
        if (server instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return server.getSession().getCipherSuite();
    }

    private static boolean busy(SSLEngine engine) {
        return engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING;
    }

    private void advance(SSLEngine engine, ByteBuffer out, ByteBuffer in) throws SSLException {
        switch (engine.getHandshakeStatus()) {
            case NEED_TASK -> {
                for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                    task.run();
                }
            }
            case NEED_WRAP -> engine.wrap(empty, out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                app.clear();
                engine.unwrap(in, app);
                in.compact();
            }
            default -> {
            }
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
