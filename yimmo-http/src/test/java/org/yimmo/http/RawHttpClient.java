package org.yimmo.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.1 client over a plain socket, for tests that must control every byte
 * the server sees (pipelining, partial writes, malformed input) and check every byte it answers.
 * Responses are parsed strictly enough to catch framing mistakes: the status line, each field
 * line, then a body framed by Content-Length, chunked coding, or the connection's end.
 */
final class RawHttpClient implements AutoCloseable {

    /** One parsed response. Field names are lower-cased; a repeated field keeps its last value. */
    record Response(int status, String statusLine, Map<String, String> headers, byte[] body,
            List<String> fieldLines) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttpClient(SocketAddress address) throws IOException {
        this(address, 10_000);
    }

    RawHttpClient(SocketAddress address, int readTimeoutMillis) throws IOException {
        this(connect(address, readTimeoutMillis));
    }

    /** Over a socket already connected (a TLS one, say). */
    RawHttpClient(Socket connected) throws IOException {
        socket = connected;
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    private static Socket connect(SocketAddress address, int readTimeoutMillis) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5_000);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        return socket;
    }

    Socket socket() {
        return socket;
    }

    RawHttpClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttpClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one response to a request that was not HEAD. */
    Response read() throws IOException {
        return read(false);
    }

    /** Reads one response; {@code head} says the request was HEAD (no body follows). */
    Response read(boolean head) throws IOException {
        String statusLine = line();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> fieldLines = new ArrayList<>();
        for (String field; !(field = line()).isEmpty(); ) {
            int colon = field.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad field line: " + field);
            }
            fieldLines.add(field);
            headers.put(field.substring(0, colon).toLowerCase(Locale.ROOT), field.substring(colon + 1).strip());
        }
        byte[] body;
        String length = headers.get("content-length");
        if (head || status == 204 || status == 304 || status < 200) {
            body = new byte[0];
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked();
        } else if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
            if (body.length != Integer.parseInt(length)) {
                throw new EOFException("body cut short: " + body.length + " of " + length);
            }
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, statusLine, headers, body, fieldLines);
    }

    /** Reads interim and final responses until a final one (status 200 or more). */
    Response readFinal() throws IOException {
        Response response;
        do {
            response = read();
        } while (response.status() < 200);
        return response;
    }

    /** Whether the server closed the connection: end of stream (or a reset) within the timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Everything until the server closes; for checking that nothing more was sent. */
    byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (;;) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt(semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon), 16);
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailer fields: none expected, skipped
                }
                return body.toByteArray();
            }
            byte[] data = in.readNBytes(size);
            if (data.length != size) {
                throw new EOFException("chunk cut short");
            }
            body.write(data);
            if (!line().isEmpty()) {
                throw new IOException("chunk data not followed by CRLF");
            }
        }
    }

    /** One CRLF-terminated line without its CRLF; a bare LF is an error. */
    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after \"" + line + "\"");
            }
            if (b == '\n') {
                if (line.length() == 0 || line.charAt(line.length() - 1) != '\r') {
                    throw new IOException("bare LF after \"" + line + "\"");
                }
                line.setLength(line.length() - 1);
                return line.toString();
            }
            line.append((char) b);
        }
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
