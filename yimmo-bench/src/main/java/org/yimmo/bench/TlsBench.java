package org.yimmo.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.yimmo.core.tls.TlsConfig;
import org.yimmo.core.tls.TlsContext;

/**
 * What the in-memory TLS benchmarks share: a throwaway EC P-256 certificate made by openssl, the
 * server's {@link TlsContext} on the engine under test, a client that trusts it, and the loop that
 * steps two engines through a handshake.
 */
final class TlsBench {

    private TlsBench() {
    }

    /** A server context on {@code engine} ({@code jdk}, {@code openssl}) with a fresh self-signed certificate. */
    static TlsContext serverContext(String engine) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("yimmo-tls-bench");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process process = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=localhost").redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (process.waitFor() != 0) {
            throw new IOException("openssl failed: " + new String(output, StandardCharsets.UTF_8));
        }
        return TlsContext.load(new TlsConfig(cert, key), engine);
    }

    /** A client context that trusts any server: the benchmark's client talks to its own server only. */
    static SSLContext trustingClient() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustingEveryone()}, null);
        return context;
    }

    static boolean handshaking(SSLEngine engine) {
        return engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING;
    }

    /**
     * Steps both engines until neither is handshaking; {@code toServer} and {@code toClient} are
     * kept in fill mode, {@code app} takes whatever plaintext comes.
     */
    static void handshake(SSLEngine client, SSLEngine server, ByteBuffer toServer, ByteBuffer toClient,
            ByteBuffer app, ByteBuffer empty) throws SSLException {
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100 && (handshaking(client) || handshaking(server)); step++) {
            advance(client, toServer, toClient, app, empty);
            advance(server, toClient, toServer, app, empty);
        }
        if (handshaking(client) || handshaking(server)) {
            throw new IllegalStateException("handshake stuck");
        }
    }

    /** Frees an engine's native resources, if it has any. */
    static void close(SSLEngine engine) {
        if (engine instanceof AutoCloseable resources) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One handshake step of {@code engine}. */
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
                app.clear();
                engine.unwrap(in, app);
                in.compact();
            }
            default -> {
            }
        }
    }

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
