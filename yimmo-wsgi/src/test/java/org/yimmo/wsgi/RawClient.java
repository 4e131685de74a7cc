package org.yimmo.wsgi;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.x over a plain socket, for what java.net.http hides: exact request bytes, HTTP/1.0,
 * interim responses, when each chunk arrives, truncated bodies and closed connections.
 */
final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private long sentAt = System.nanoTime();

    RawClient(WsgiProcess server) throws IOException {
        this(server.host(), server.port());
    }

    RawClient(String host, int port) throws IOException {
        this(connect(host, port));
    }

    /** Over a connected socket (a TLS one, from {@link TestCertificate#connect}). */
    RawClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(15_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    private static Socket connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        return socket;
    }

    Socket socket() {
        return socket;
    }

    /** Sends {@code text} (latin-1) and starts the clock of the chunk timestamps. */
    RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        sentAt = System.nanoTime();
        out.write(bytes);
        out.flush();
        return this;
    }

    void setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** One response received: head, body, chunks with the ms after the request when each arrived. */
    record Response(String statusLine, int status, List<String[]> headers, byte[] body, List<byte[]> chunks,
            List<Long> chunkMillis, long headMillis, boolean complete) {

        String header(String name) {
            String found = null;
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    found = found == null ? h[1] : found + ", " + h[1];
                }
            }
            return found;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads one response (interim 1xx ones are returned as such). The body is read by its
     * Content-Length, chunked framing, or to the end of the connection; {@code complete} tells
     * whether its framing was satisfied (false: the server closed the connection early).
     */
    Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        long headMillis = millis();
        int status = Integer.parseInt(statusLine.substring(9, 12));
        List<String[]> headers = new ArrayList<>();
        for (String line; (line = line()) != null && !line.isEmpty(); ) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
        }
        Response partial = new Response(statusLine, status, headers, new byte[0], List.of(), List.of(), headMillis, true);
        if (head || status < 200 || status == 204 || status == 304) {
            return partial;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<byte[]> chunks = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        boolean complete;
        String te = partial.header("Transfer-Encoding");
        String cl = partial.header("Content-Length");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            complete = false;
            while (true) {
                String size = line();
                if (size == null) {
                    break;
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    for (String trailer; (trailer = line()) != null && !trailer.isEmpty(); ) {
                        // trailers ignored
                    }
                    complete = true;
                    break;
                }
                byte[] chunk = in.readNBytes(n);
                body.write(chunk);
                if (chunk.length < n) {
                    break;
                }
                chunks.add(chunk);
                times.add(millis());
                if (line() == null) {
                    break;
                }
            }
        } else if (cl != null) {
            long n = Long.parseLong(cl);
            complete = true;
            for (long got = 0; got < n; ) {
                byte[] buffer = new byte[(int) Math.min(65536, n - got)];
                int r = in.read(buffer);
                if (r < 0) {
                    complete = false;
                    break;
                }
                body.write(buffer, 0, r);
                chunks.add(java.util.Arrays.copyOf(buffer, r));
                times.add(millis());
                got += r;
            }
        } else {
            byte[] buffer = new byte[65536];
            for (int r; (r = in.read(buffer)) >= 0; ) {
                body.write(buffer, 0, r);
                chunks.add(java.util.Arrays.copyOf(buffer, r));
                times.add(millis());
            }
            complete = true;
        }
        return new Response(statusLine, status, headers, body.toByteArray(), chunks, times, headMillis, complete);
    }

    Response read() throws IOException {
        return read(false);
    }

    /** True when the server closes the connection (EOF, or a reset) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private long millis() {
        return (System.nanoTime() - sentAt) / 1_000_000;
    }

    /** A CRLF-terminated line without its terminator; null at EOF. */
    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
