package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link HttpResponse#transferFile}: file regions sent by the connection, framed like any body. */
@Timeout(30)
class HttpFileTransferTest {

    private static final int SIZE = 5 * 1024 * 1024 + 123;
    private static final Runnable NONE = () -> { };
    private static ExecutorService workers;

    @TempDir
    static Path directory;
    private static Path file;
    private static byte[] contents;

    @BeforeAll
    static void makeFile() throws Exception {
        contents = new byte[SIZE];
        new Random(7).nextBytes(contents);
        file = directory.resolve("data.bin");
        Files.write(file, contents);
        workers = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stopWorkers() {
        workers.shutdownNow();
    }

    /** Answers "/from/N/to/M[?len]" with bytes [N, M) of the file, a prefix written first. */
    private static final HttpHandler FILE_SLICE = exchange -> workers.execute(() -> {
        HttpResponse response = exchange.response();
        try (FileChannel channel = FileChannel.open(file)) {
            String[] parts = exchange.path().split("/");
            long from = Long.parseLong(parts[2]);
            long to = Long.parseLong(parts[4]);
            response.start(200);
            if (exchange.query().equals("len")) {
                response.contentLength(3 + (to - from) + 3);
            }
            response.writeFully(ByteBuffer.wrap("<<<".getBytes()));
            response.transferFile(channel, from, to - from, NONE, NONE);
            response.writeFully(ByteBuffer.wrap(">>>".getBytes()));
        } catch (Exception e) {
            exchange.abort();
        } finally {
            response.end();
        }
    });

    @Test
    void aFileRegionGoesOutWithADeclaredLength() throws Exception {
        try (TestServer server = TestServer.start(FILE_SLICE); RawHttpClient client = server.connect()) {
            client.send("GET /from/1000/to/" + SIZE + "?len HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals(String.valueOf(3 + SIZE - 1000 + 3), response.header("content-length"));
            assertArrayEquals(framed(1000, SIZE), response.body());
            // The connection stays usable: a second slice on it.
            client.send("GET /from/0/to/10?len HTTP/1.1\r\nHost: x\r\n\r\n");
            assertArrayEquals(framed(0, 10), client.read().body());
        }
    }

    @Test
    void aFileRegionIsOneChunkOfAChunkedBody() throws Exception {
        try (TestServer server = TestServer.start(FILE_SLICE); RawHttpClient client = server.connect()) {
            client.send("GET /from/5/to/70000 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response response = client.read();
            assertEquals("chunked", response.header("transfer-encoding"));
            assertArrayEquals(framed(5, 70000), response.body());
        }
    }

    @Test
    void headSendsNoneOfTheFile() throws Exception {
        try (TestServer server = TestServer.start(FILE_SLICE); RawHttpClient client = server.connect()) {
            client.send("HEAD /from/0/to/100000?len HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /from/0/to/4?len HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response head = client.read(true);
            assertEquals("100006", head.header("content-length"));
            assertNull(head.header("transfer-encoding"));
            assertArrayEquals(framed(0, 4), client.read().body(), "the next response follows at once");
        }
    }

    private static byte[] framed(int from, int to) {
        byte[] expected = new byte[3 + (to - from) + 3];
        Arrays.fill(expected, 0, 3, (byte) '<');
        System.arraycopy(contents, from, expected, 3, to - from);
        Arrays.fill(expected, expected.length - 3, expected.length, (byte) '>');
        return expected;
    }
}
