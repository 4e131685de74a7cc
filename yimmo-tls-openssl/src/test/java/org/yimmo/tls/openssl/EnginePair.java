package org.yimmo.tls.openssl;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The libssl server engine and a JDK client engine, in memory: each side's records go into a
 * buffer the other unwraps from. Buffers are direct unless asked otherwise.
 */
final class EnginePair {

    final OpenSslEngine server;
    final SSLEngine client;
    /** Records from the client, not yet unwrapped by the server (fill mode). */
    final ByteBuffer toServer = ByteBuffer.allocateDirect(1 << 17);
    /** Records from the server, not yet unwrapped by the client (fill mode). */
    final ByteBuffer toClient = ByteBuffer.allocateDirect(1 << 17);
    final ByteBuffer serverApp = ByteBuffer.allocateDirect(1 << 17);
    final ByteBuffer clientApp = ByteBuffer.allocateDirect(1 << 17);

    EnginePair(OpenSslContext context, SSLContext clientContext, String protocol, String... alpn) {
        server = (OpenSslEngine) context.newEngine(null);
        client = clientContext.createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setApplicationProtocols(alpn);
        client.setSSLParameters(parameters);
    }

    /** Both sides step until neither handshakes; then the server's tickets reach the client. */
    void handshake() throws SSLException {
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 200; step++) {
            boolean moved = stepClient() | stepServer();
            if (!moved && client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
                break;
            }
        }
        deliverToClient();
        if (client.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING
                || server.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
            throw new IllegalStateException("handshake stuck: client " + client.getHandshakeStatus() + ", server "
                    + server.getHandshakeStatus());
        }
    }

    boolean stepClient() throws SSLException {
        return step(client, toServer, toClient, clientApp);
    }

    boolean stepServer() throws SSLException {
        return step(server, toClient, toServer, serverApp);
    }

    private static boolean step(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer app) throws SSLException {
        switch (engine.getHandshakeStatus()) {
            case NEED_TASK -> {
                for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                    task.run();
                }
                return true;
            }
            case NEED_WRAP -> {
                SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), out);
                return r.bytesProduced() > 0;
            }
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                SSLEngineResult r;
                try {
                    r = engine.unwrap(in, app);
                } finally {
                    in.compact();
                }
                return r.bytesConsumed() > 0 || r.bytesProduced() > 0;
            }
            default -> {
                return false;
            }
        }
    }

    /** Every record waiting for the client, unwrapped into clientApp. */
    void deliverToClient() throws SSLException {
        toClient.flip();
        try {
            while (toClient.hasRemaining()) {
                SSLEngineResult r = client.unwrap(toClient, clientApp);
                if (r.bytesConsumed() == 0) {
                    break;
                }
                while (client.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    client.getDelegatedTask().run();
                }
            }
        } finally {
            toClient.compact();
        }
    }

    /** Every record waiting for the server, unwrapped into serverApp; the last result. */
    SSLEngineResult deliverToServer() throws SSLException {
        toServer.flip();
        SSLEngineResult last = null;
        try {
            while (toServer.hasRemaining()) {
                last = server.unwrap(toServer, serverApp);
                if (last.bytesConsumed() == 0) {
                    break;
                }
            }
        } finally {
            toServer.compact();
        }
        return last;
    }

    /** The server wraps what it has queued (handshake, alerts) into toClient. */
    void flushServer() throws SSLException {
        while (server.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            server.wrap(ByteBuffer.allocate(0), toClient);
        }
    }

    void clientSends(byte[] data) throws SSLException {
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            client.wrap(src, toServer);
        }
    }

    static byte[] take(ByteBuffer app) {
        app.flip();
        byte[] bytes = new byte[app.remaining()];
        app.get(bytes);
        app.clear();
        return bytes;
    }
}
