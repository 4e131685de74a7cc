package org.yimmo.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
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
import org.yimmo.core.tls.TlsContext;

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

    @Param({"jdk", "openssl", "boringssl"})
    public String engine;

    private TlsContext server;
    private SSLContext client;
    private final ByteBuffer toServer = ByteBuffer.allocateDirect(1 << 16);
    private final ByteBuffer toClient = ByteBuffer.allocateDirect(1 << 16);
    private final ByteBuffer app = ByteBuffer.allocateDirect(1 << 16);
    private final ByteBuffer empty = ByteBuffer.allocateDirect(0);

    @Setup
    public void setUp() throws Exception {
        server = TlsBench.serverContext(engine);
        client = TlsBench.trustingClient();
        client.getClientSessionContext().setSessionCacheSize(1);
    }

    @Benchmark
    public Object handshake() throws SSLException {
        SSLEngine serverEngine = server.newEngine(null);
        // A new peer each time: no resumption.
        SSLEngine clientEngine = client.createSSLEngine("client" + System.nanoTime(), 443);
        clientEngine.setUseClientMode(true);
        SSLParameters parameters = clientEngine.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3"});
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        clientEngine.setSSLParameters(parameters);
        toServer.clear();
        toClient.clear();
        TlsBench.handshake(clientEngine, serverEngine, toServer, toClient, app, empty);
        String suite = serverEngine.getSession().getCipherSuite();
        TlsBench.close(serverEngine);
        return suite;
    }
}
