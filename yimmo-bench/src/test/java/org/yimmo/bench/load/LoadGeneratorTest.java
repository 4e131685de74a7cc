package org.yimmo.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.http.HttpExchange;
import org.yimmo.http.HttpServer;

/** The generator against real servers on loopback: yimmo's HttpServer, the JDK's, and raw sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoadGeneratorTest {

    private static final ByteBuffer OK = ByteBuffer.wrap("OK".getBytes(StandardCharsets.US_ASCII));

    private HttpServer yimmo;
    private com.sun.net.httpserver.HttpServer jdk;
    private ServerSocket raw;

    @AfterEach
    void stopServers() throws IOException {
        if (yimmo != null) {
            yimmo.shutdown(Duration.ofSeconds(1));
        }
        if (jdk != null) {
            jdk.stop(0);
        }
        if (raw != null) {
            raw.close();
        }
    }

    private static Results load(String... args) throws Exception {
        LoadOptions options = LoadOptions.parse(args);
        return LoadGenerator.run(options, new PrintStream(new ByteArrayOutputStream()));
    }

    /** yimmo's server: /status 200 "OK", anything else 404; {@code seen} gets each exchange. */
    private String startYimmo(Consumer<HttpExchange> seen) throws IOException {
        yimmo = HttpServer.builder().listen("127.0.0.1:0").handler(exchange -> {
            seen.accept(exchange);
            exchange.response().send(exchange.path().equals("/status") ? 200 : 404, "text/plain", OK.duplicate());
        }).start();
        InetSocketAddress bound = (InetSocketAddress) yimmo.localAddresses().get(0);
        return "http://127.0.0.1:" + bound.getPort();
    }

    private String startJdk(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        jdk = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jdk.createContext("/", handler);
        jdk.start();
        return "http://127.0.0.1:" + jdk.getAddress().getPort();
    }

    /** A one-connection-at-a-time server on a thread: {@code session} talks to each client. */
    private String startRaw(RawSession session) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        raw = server;
        Thread thread = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    session.serve(socket.getInputStream(), socket.getOutputStream());
                } catch (IOException e) {
                    // the client went away, or the test closed the server
                }
            }
        }, "raw-server");
        thread.setDaemon(true);
        thread.start();
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private interface RawSession {
        void serve(InputStream in, OutputStream out) throws IOException;
    }

    @Test
    void shouldCountClosedLoopRequestsAndTheirStatus() throws Exception {
        AtomicInteger served = new AtomicInteger();
        String base = startYimmo(exchange -> served.incrementAndGet());
        Results ok = load("-c", "4", "-t", "2", "-d", "1", "-w", "0.3", base + "/status");
        assertTrue(ok.requests > 100, "requests " + ok.requests);
        assertEquals(0, ok.errorTotal(), "errors");
        assertTrue(served.get() >= ok.requests, served + " served, " + ok.requests + " counted");
        assertTrue(ok.bytesRead > ok.requests * 40, "bytes read " + ok.bytesRead);
        assertTrue(ok.corrected.getValueAtPercentile(50) > 0);

        Results missing = load("-c", "2", "-d", "0.5", base + "/missing");
        assertTrue(missing.requests > 10);
        assertEquals(missing.requests, missing.errors(ErrorKind.STATUS));
        assertEquals(missing.requests, missing.errorTotal());
    }

    @Test
    void shouldOpenAConnectionPerRequestWithClose() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        AtomicBoolean askedToClose = new AtomicBoolean(true);
        byte[] keepAlive = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK".getBytes(StandardCharsets.US_ASCII);
        // Answers every request it reads and never closes first: only the client's --close ends a connection.
        String base = startRaw((in, out) -> {
            accepted.incrementAndGet();
            byte[] buffer = new byte[4096];
            for (int n; (n = in.read(buffer)) > 0; ) {
                String request = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
                if (!request.contains("\r\nConnection: close\r\n")) {
                    askedToClose.set(false);
                }
                answered.incrementAndGet();
                out.write(keepAlive);
            }
        });
        Results results = load("--close", "-c", "1", "-d", "1", base + "/");
        assertTrue(results.requests > 20, "requests " + results.requests);
        assertEquals(0, results.errorTotal());
        assertTrue(askedToClose.get(), "every request says Connection: close");
        assertTrue(answered.get() - accepted.get() <= 0, answered + " answered on " + accepted + " connections");
    }

    @Test
    void shouldPipelineRequestsOnOneConnection() throws Exception {
        AtomicBoolean pipelined = new AtomicBoolean();
        byte[] response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK".getBytes(StandardCharsets.US_ASCII);
        String base = startRaw((in, out) -> {
            byte[] buffer = new byte[64 * 1024];
            int carry = 0;
            for (int n; (n = in.read(buffer, carry, buffer.length - carry)) > 0; ) {
                String text = new String(buffer, 0, carry + n, StandardCharsets.ISO_8859_1);
                int requests = 0;
                int at = 0;
                for (int end; (end = text.indexOf("\r\n\r\n", at)) >= 0; at = end + 4) {
                    requests++;
                }
                if (requests > 1) {
                    pipelined.set(true);
                }
                for (int i = 0; i < requests; i++) {
                    out.write(response); // in order, one per request
                }
                carry = text.length() - at;
                System.arraycopy(buffer, at, buffer, 0, carry);
            }
        });
        Results results = load("--pipeline", "8", "-c", "1", "-d", "1", base + "/");
        assertTrue(results.requests > 100, "requests " + results.requests);
        assertEquals(0, results.errorTotal());
        assertTrue(pipelined.get(), "the server never saw two requests in one read");
    }

    @Test
    void shouldSendPostBodiesOfTheRightLengthInTheMix() throws Exception {
        AtomicInteger posts = new AtomicInteger();
        AtomicInteger gets = new AtomicInteger();
        String base = startJdk(exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean post = exchange.getRequestMethod().equals("POST");
            (post ? posts : gets).incrementAndGet();
            boolean right = post ? body.length == 1000 && body[999] == 'x' : body.length == 0;
            exchange.sendResponseHeaders(right ? 200 : 400, -1);
            exchange.close();
        });
        Results results = load("--mix", "get:50,post:50", "--body-size", "1000", "-c", "2", "-d", "1", base + "/");
        assertTrue(results.requests > 20, "requests " + results.requests);
        assertEquals(0, results.errorTotal(), "a body of the wrong length answers 400");
        assertTrue(Math.abs(posts.get() - gets.get()) <= 4, posts + " posts, " + gets + " gets");
    }

    @Test
    void shouldSendAboutTheRateAskedForInTheOpenLoop() throws Exception {
        String base = startYimmo(exchange -> { });
        Results results = load("-R", "200", "-c", "4", "-d", "2", base + "/status");
        assertTrue(results.requests >= 340 && results.requests <= 460, "requests " + results.requests);
        assertEquals(0, results.errorTotal());
    }

    @Test
    void shouldCorrectForCoordinatedOmissionWhenTheServerStalls() throws Exception {
        AtomicInteger count = new AtomicInteger();
        String base = startJdk(exchange -> {
            if (count.incrementAndGet() == 50) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        Results results = load("-R", "100", "-c", "1", "-d", "3", base + "/");
        assertEquals(0, results.errorTotal());
        assertTrue(results.requests >= 250, "requests " + results.requests);
        long correctedP99 = results.corrected.getValueAtPercentile(99);
        long uncorrectedP99 = results.uncorrected.getValueAtPercentile(99);
        assertTrue(correctedP99 >= 400_000, "corrected p99 " + correctedP99 + " us");
        assertTrue(uncorrectedP99 < 200_000, "uncorrected p99 " + uncorrectedP99 + " us");
        assertTrue(results.uncorrected.getMaxValue() >= 450_000, "the stalled request itself");
    }

    @Test
    void shouldCountConnectErrorsOnAClosedPort() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Results results = load("-c", "2", "-d", "0.5", "http://127.0.0.1:" + port + "/");
        assertEquals(0, results.requests);
        assertTrue(results.errors(ErrorKind.CONNECT) > 0);
        assertEquals(results.errors(ErrorKind.CONNECT), results.errorTotal());
    }

    @Test
    void shouldCountAResponseCutShortAsAReadError() throws Exception {
        String base = startRaw((in, out) -> {
            in.read(new byte[4096]);
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this".getBytes(StandardCharsets.US_ASCII));
        });
        Results results = load("-c", "1", "-d", "0.5", base + "/");
        assertEquals(0, results.requests);
        assertTrue(results.errors(ErrorKind.READ) > 0, "read errors " + results.errors(ErrorKind.READ));
        assertEquals(0, results.errors(ErrorKind.CONNECT) + results.errors(ErrorKind.PARSE));
    }

    @Test
    void shouldCountATimeoutAndAGarbledResponse() throws Exception {
        String silent = startRaw((in, out) -> {
            in.read(new byte[4096]);
            in.read(); // waits until the client gives up
        });
        Results timeouts = load("-c", "1", "-d", "1", "--timeout", "0.2", silent + "/");
        assertTrue(timeouts.errors(ErrorKind.TIMEOUT) >= 2, "timeouts " + timeouts.errors(ErrorKind.TIMEOUT));
        raw.close();
        String garbled = startRaw((in, out) -> {
            in.read(new byte[4096]);
            out.write("220 smtp.example ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            in.read();
        });
        Results parse = load("-c", "1", "-d", "0.5", garbled + "/");
        assertTrue(parse.errors(ErrorKind.PARSE) > 0, "parse errors " + parse.errors(ErrorKind.PARSE));
    }

    @Test
    void shouldWriteTheHistogramAndASelfContainedHtmlReport(@TempDir Path dir) throws Exception {
        String base = startYimmo(exchange -> { });
        Path hgrm = dir.resolve("latency.hgrm");
        Path html = dir.resolve("report.html");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = LoadGenerator.run(new String[] {"-R", "500", "-c", "2", "-d", "1", "--hgrm", hgrm.toString(),
            "--html", html.toString(), base + "/status"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, status);
        String report = out.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("Requests/sec:") && report.contains("Uncorrected:"), report);
        String distribution = Files.readString(hgrm);
        assertTrue(distribution.contains("Value     Percentile TotalCount 1/(1-Percentile)"), distribution);
        assertTrue(distribution.contains("#[Mean"), distribution);
        String page = Files.readString(html);
        assertTrue(page.contains("<svg id=\"latency-chart\"") && page.contains("<polyline"), page);
        assertTrue(page.contains("99.9%") && page.contains("--hgrm"), "percentile axis and command line");
        for (String external : new String[] {"src=", "href=", "url(", "@import", "https:"}) {
            assertFalse(page.contains(external), "external reference " + external);
        }
    }
}
