package org.yimmo.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's hot path allocates nothing per request: a keep-alive client sends pipelined
 * requests that a handler answers on the reactor thread, and the reactor thread's allocation is
 * measured across tens of thousands of them.
 */
class HttpAllocationTest {

    private static final byte[] REQUEST = ("GET /status HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n"
            + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final int BATCH = 100;

    @Test
    @Timeout(60)
    void servingKeepAliveRequestsAllocatesNothingPerRequest() throws Exception {
        ByteBuffer ok = ByteBuffer.wrap("OK".getBytes(StandardCharsets.US_ASCII));
        HttpHandler handler = exchange -> exchange.response().send(200, "text/plain", ok.clear());
        try (TestServer server = TestServer.start(handler);
                Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            CompletableFuture<Thread> reactorThread = new CompletableFuture<>();
            server.server.reactor().execute(() -> reactorThread.complete(Thread.currentThread()));
            long reactorId = reactorThread.get(5, TimeUnit.SECONDS).getId();
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            threads.setThreadAllocatedMemoryEnabled(true);

            byte[] batch = new byte[REQUEST.length * BATCH];
            for (int i = 0; i < BATCH; i++) {
                System.arraycopy(REQUEST, 0, batch, i * REQUEST.length, REQUEST.length);
            }
            int responseLength = exchangeBatch(socket, batch, -1);
            for (int warm = 0; warm < 300; warm++) { // let the JIT settle before measuring
                exchangeBatch(socket, batch, responseLength);
            }
            int batches = 300;
            long before = threads.getThreadAllocatedBytes(reactorId);
            for (int i = 0; i < batches; i++) {
                exchangeBatch(socket, batch, responseLength);
            }
            long allocated = threads.getThreadAllocatedBytes(reactorId) - before;
            long requests = (long) batches * BATCH;
            // One object per request would be at least 16 bytes each: 480 KB here.
            assertTrue(allocated < requests * 2,
                    "the reactor thread allocated " + allocated + " bytes for " + requests + " requests");
        }
    }

    /** Sends a batch of pipelined requests and reads their responses; returns one response's length. */
    private static int exchangeBatch(Socket socket, byte[] batch, int responseLength) throws Exception {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(batch);
        out.flush();
        if (responseLength < 0) {
            byte[] first = new byte[4096];
            int n = in.read(first);
            String text = new String(first, 0, n, StandardCharsets.ISO_8859_1);
            int oneLength = text.indexOf("\r\n\r\nOK") + 6;
            assertTrue(oneLength > 6, text);
            int rest = oneLength * BATCH - n;
            assertEquals(rest, in.readNBytes(rest).length);
            return oneLength;
        }
        int total = responseLength * BATCH;
        byte[] responses = in.readNBytes(total);
        assertEquals(total, responses.length);
        return responseLength;
    }
}
