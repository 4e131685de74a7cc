package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yimmo.core.tls.TestCertificates;
import org.yimmo.core.tls.TlsContext;

/**
 * HTTPS: the server behind {@link HttpServer.Builder#listenTls} against the JDK's HttpClient,
 * curl and openssl s_client, and raw TLS sockets for pipelining, slow readers and misbehaving
 * clients. Runs on every backend the suite runs on ({@code yimmo.test.reactor}), with the TLS
 * engine {@code yimmo.test.tls-engine} names (OpenSSL's unless the execution says otherwise).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpTlsTest {

    private static final int LARGE = 20 << 20;
    private static TestCertificates certificates;
    private static TlsContext tls;
    private static SSLContext trusting;
    private static ExecutorService workers;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        certificates = TestCertificates.localhost();
        String engine = System.getProperty("yimmo.test.tls-engine", "openssl");
        tls = certificates.serverContext(engine);
        assertTrue(tls.engine().startsWith(engine), tls.engine());
        trusting = certificates.clientContext();
        workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tls-test-worker");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void tearDown() {
        workers.shutdownNow();
    }

    /**
     * "/secure" answers whether the exchange is secure; "/large" streams {@link #LARGE} seeded
     * bytes from a worker; "/file?path" sends a file (transferFile: no sendfile under TLS);
     * "/sync..." answers "METHOD target" at once; anything else reads the body on a worker and
     * answers "METHOD target chunked=B length=N sha=HEX".
     */
    private static final HttpHandler HANDLER = exchange -> {
        String path = exchange.path();
        if (path.equals("/secure")) {
            HttpSessionBehaviourTest.sendText(exchange, "secure=" + exchange.secure());
        } else if (path.equals("/large")) {
            workers.execute(() -> streamLarge(exchange));
        } else if (path.equals("/file")) {
            workers.execute(() -> sendFile(exchange, Path.of(exchange.query())));
        } else if (path.startsWith("/sync")) {
            HttpSessionBehaviourTest.sendText(exchange, exchange.method() + " " + exchange.target());
        } else {
            workers.execute(() -> describe(exchange));
        }
    };

    private static void describe(HttpExchange exchange) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(16_384);
            long length = 0;
            for (int n; (n = exchange.requestBody().readBlocking(buffer)) >= 0; buffer.clear()) {
                digest.update(buffer.array(), 0, n);
                length += n;
            }
            HttpSessionBehaviourTest.sendText(exchange, exchange.method() + " " + exchange.target()
                    + " chunked=" + exchange.request().chunked() + " length=" + length
                    + " sha=" + HexFormat.of().formatHex(digest.digest()));
        } catch (Exception e) {
            exchange.abort();
        }
    }

    private static void streamLarge(HttpExchange exchange) {
        HttpResponse response = exchange.response();
        try {
            response.start(200).contentLength(LARGE);
            Random random = new Random(42);
            byte[] chunk = new byte[32 * 1024];
            for (int sent = 0; sent < LARGE; sent += chunk.length) {
                random.nextBytes(chunk);
                response.writeFully(ByteBuffer.wrap(chunk, 0, Math.min(chunk.length, LARGE - sent)));
            }
        } catch (IOException e) {
            exchange.abort();
        } finally {
            response.end();
        }
    }

    private static void sendFile(HttpExchange exchange, Path file) {
        HttpResponse response = exchange.response();
        try (FileChannel channel = FileChannel.open(file)) {
            response.start(200).contentLength(channel.size());
            response.transferFile(channel, 0, channel.size(), () -> { }, () -> { });
        } catch (IOException e) {
            exchange.abort();
        } finally {
            response.end();
        }
    }

    private static HttpServer start(UnaryOperator<HttpServer.Builder> settings) throws IOException {
        return settings.apply(HttpServer.builder().reactor(TestServer.reactorName()).handler(HANDLER)).start();
    }

    private static HttpServer startTls() throws IOException {
        return start(b -> b.listenTls("127.0.0.1:0", tls));
    }

    private static int port(HttpServer server, int index) {
        return ((InetSocketAddress) server.localAddresses().get(index)).getPort();
    }

    private static URI uri(HttpServer server, String path) {
        return URI.create("https://127.0.0.1:" + port(server, 0) + path);
    }

    private static HttpClient client(String... protocols) {
        SSLParameters parameters = new SSLParameters();
        if (protocols.length > 0) {
            parameters.setProtocols(protocols);
        }
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting)
                .sslParameters(parameters).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static SSLSocket tlsSocket(HttpServer server) throws IOException {
        SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", port(server, 0));
        socket.setSoTimeout(20_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldServeTheJdkClientOverEachVersion(String version) throws Exception {
        try (HttpServer server = startTls()) {
            HttpClient client = client(version);
            java.net.http.HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(uri(server, "/secure")).build(), BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("secure=true", response.body());
            assertEquals(version, response.sslSession().orElseThrow().getProtocol());
            // The same connection again: keep-alive over TLS.
            assertEquals("secure=true", client.send(HttpRequest.newBuilder(uri(server, "/secure")).build(),
                    BodyHandlers.ofString()).body());
        }
    }

    @Test
    void shouldNegotiateHttp11ByAlpn() throws Exception {
        try (HttpServer server = startTls(); SSLSocket socket = tlsSocket(server)) {
            assertEquals("http/1.1", socket.getApplicationProtocol());
            assertEquals("TLSv1.3", socket.getSession().getProtocol());
        }
    }

    @Test
    void shouldRefuseATls11Client() throws Exception {
        try (HttpServer server = startTls()) {
            IOException refused = assertThrows(IOException.class, () -> TestCertificates.openssl(dir, "s_client",
                    "-connect", "127.0.0.1:" + port(server, 0), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"));
            assertTrue(refused.getMessage().contains("alert protocol version")
                    || refused.getMessage().contains("unsupported protocol"), refused.getMessage());
            assertThrows(SSLHandshakeException.class, () -> client("TLSv1.1").send(
                    HttpRequest.newBuilder(uri(server, "/secure")).build(), BodyHandlers.ofString()));
            assertEquals("secure=true", client().send(HttpRequest.newBuilder(uri(server, "/secure")).build(),
                    BodyHandlers.ofString()).body());
        }
    }

    @Test
    void shouldServeCurl() throws Exception {
        try (HttpServer server = startTls()) {
            String output = TestCertificates.run(dir, List.of("curl", "-sS", "--cacert",
                    certificates.certificate().toString(), "-w", " %{http_version} %{http_code}",
                    uri(server, "/secure").toString(), uri(server, "/secure").toString()));
            assertEquals("secure=true 1.1 200secure=true 1.1 200", output);
        }
    }

    @Test
    void shouldServeOpensslSClient() throws Exception {
        try (HttpServer server = startTls()) {
            Path request = dir.resolve("request");
            Files.writeString(request, "GET /secure HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String output = TestCertificates.run(dir, List.of("sh", "-c", "openssl s_client -connect 127.0.0.1:"
                    + port(server, 0) + " -CAfile " + certificates.certificate() + " -verify_return_error"
                    + " -alpn http/1.1 -quiet < " + request + " 2>/dev/null"));
            assertTrue(output.startsWith("HTTP/1.1 200 OK\r\n"), output);
            assertTrue(output.endsWith("\r\n\r\nsecure=true"), output);
        }
    }

    @Test
    void shouldAnswerPlainHttpOnTheTlsPortAndGoOn() throws Exception {
        try (HttpServer server = startTls()) {
            try (RawHttpClient plain = new RawHttpClient(RawHttpClient.loopback(port(server, 0)))) {
                RawHttpClient.Response response = plain.send(HttpSessionBehaviourTest.get("/")).read();
                assertEquals(400, response.status());
                assertTrue(plain.closedByServer());
            }
            assertEquals("secure=true", client().send(HttpRequest.newBuilder(uri(server, "/secure")).build(),
                    BodyHandlers.ofString()).body());
        }
    }

    @Test
    void shouldKeepAliveAndPipelineOverTls() throws Exception {
        try (HttpServer server = startTls(); RawHttpClient client = new RawHttpClient(tlsSocket(server))) {
            client.send(HttpSessionBehaviourTest.get("/sync/1") + HttpSessionBehaviourTest.get("/sync/2")
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + HttpSessionBehaviourTest.get("/sync/3"));
            assertEquals("GET /sync/1", client.read().text());
            assertEquals("GET /sync/2", client.read().text());
            assertTrue(client.read().text().startsWith("POST /echo chunked=false length=5 sha="));
            assertEquals("GET /sync/3", client.read().text());
            for (int i = 0; i < 20; i++) {
                assertEquals("GET /sync/" + i, client.send(HttpSessionBehaviourTest.get("/sync/" + i)).read().text());
            }
        }
    }

    @Test
    void shouldMoveTwentyMebibytesEachWay() throws Exception {
        try (HttpServer server = startTls()) {
            HttpClient client = client();
            byte[] upload = new byte[LARGE];
            new Random(3).nextBytes(upload);
            String described = client.send(HttpRequest.newBuilder(uri(server, "/upload"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), BodyHandlers.ofString()).body();
            assertEquals("POST /upload chunked=false length=" + LARGE + " sha=" + sha256(upload), described);

            java.net.http.HttpResponse<InputStream> download = client.send(
                    HttpRequest.newBuilder(uri(server, "/large")).build(), BodyHandlers.ofInputStream());
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            long length = 0;
            try (InputStream in = download.body()) {
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) > 0; length += n) {
                    digest.update(buffer, 0, n);
                }
            }
            assertEquals(LARGE, length);
            assertEquals(sha256(expectedLarge()), HexFormat.of().formatHex(digest.digest()));
        }
    }

    @Test
    void shouldSendFilesByCopyingThemThroughTheRecordLayer() throws Exception {
        byte[] contents = new byte[5 * 1024 * 1024 + 77];
        new Random(5).nextBytes(contents);
        Path file = dir.resolve("file.bin");
        Files.write(file, contents);
        try (HttpServer server = startTls()) {
            byte[] body = client().send(HttpRequest.newBuilder(uri(server, "/file?" + file)).build(),
                    BodyHandlers.ofByteArray()).body();
            assertArrayEquals(contents, body);
        }
    }

    /** Reads the 20 MiB response one byte at a time, after a pause that fills every buffer. */
    @Test
    void shouldServeAClientThatReadsOneByteAtATime() throws Exception {
        try (HttpServer server = startTls(); SSLSocket socket = tlsSocket(server)) {
            socket.getOutputStream().write(HttpSessionBehaviourTest.ascii(HttpSessionBehaviourTest.get("/large")));
            Thread.sleep(300);
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 200 OK\r\n"), head.toString());
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < LARGE; i++) {
                int b = in.read();
                assertNotEquals(-1, b, "ended at " + i);
                digest.update((byte) b);
            }
            assertEquals(sha256(expectedLarge()), HexFormat.of().formatHex(digest.digest()));
        }
    }

    @Test
    void shouldServePlainAndTlsListenersSideBySide() throws Exception {
        try (HttpServer server = start(b -> b.listen("127.0.0.1:0").listenTls("127.0.0.1:0", tls))) {
            HttpClient client = client();
            String plain = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(server, 0)
                    + "/secure")).build(), BodyHandlers.ofString()).body();
            String secure = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port(server, 1)
                    + "/secure")).build(), BodyHandlers.ofString()).body();
            assertEquals("secure=false", plain);
            assertEquals("secure=true", secure);
        }
    }

    @Test
    void shouldBoundTheHandshakeByTheHeaderTimeout() throws Exception {
        try (HttpServer server = start(b -> b.listenTls("127.0.0.1:0", tls).headerTimeout(Duration.ofMillis(300)));
                RawHttpClient silent = new RawHttpClient(RawHttpClient.loopback(port(server, 0)))) {
            long start = System.nanoTime();
            assertTrue(silent.closedByServer());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    void shouldKeepServingWhileClientsFailTheirHandshakes() throws Exception {
        try (HttpServer server = startTls()) {
            List<RawHttpClient> broken = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                RawHttpClient client = new RawHttpClient(RawHttpClient.loopback(port(server, 0)));
                client.send(new byte[] {0x16, 0x03, 0x01, 0x00, 0x08, 9, 9, 9, 9, 9, 9, 9, 9});
                broken.add(client);
            }
            assertEquals("secure=true", client().send(HttpRequest.newBuilder(uri(server, "/secure")).build(),
                    BodyHandlers.ofString()).body());
            for (RawHttpClient client : broken) {
                byte[] answer = client.readToEnd(); // until the server closes
                assertEquals(0x15, answer[0], "a TLS alert record"); // the engine's alert, then the close
                client.close();
            }
        }
    }

    private static byte[] expectedLarge() {
        byte[] all = new byte[LARGE];
        Random random = new Random(42);
        byte[] chunk = new byte[32 * 1024];
        for (int at = 0; at < LARGE; at += chunk.length) {
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, all, at, Math.min(chunk.length, LARGE - at));
        }
        return all;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
