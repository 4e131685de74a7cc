package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** PEP 3333 "Input and Error Streams": wsgi.input over Content-Length and chunked uploads. */
class WsgiInputTest extends WsgiServerFixture {

    /** Lines of several lengths, an empty one, non-ASCII bytes, and no newline at the end. */
    static final String BODY = "first line\nsecond, longer line of the body\n\ncaf\u00e9 \u00ff\nlast line without newline";

    @Override
    protected String[] options() {
        return new String[] {"-t", "1"};
    }

    static Stream<Arguments> framings() {
        return Stream.of(Arguments.of("length"), Arguments.of("chunked"));
    }

    /** POSTs BODY to /input?QUERY, framed as asked; returns the app's JSON. */
    private Map<String, Object> upload(String query, String framing) throws Exception {
        StringBuilder request = new StringBuilder("POST /input?" + query + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                + unvalidatedField());
        if (framing.equals("length")) {
            request.append("Content-Length: ").append(BODY.length()).append("\r\n\r\n").append(BODY);
        } else {
            request.append("Transfer-Encoding: chunked\r\n\r\n");
            for (int at = 0; at < BODY.length(); at += 7) { // small chunks, so lines span them
                String chunk = BODY.substring(at, Math.min(BODY.length(), at + 7));
                request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
            }
            request.append("0\r\n\r\n");
        }
        try (RawClient client = raw()) {
            RawClient.Response response = client.send(request.toString()).read();
            assertEquals(200, response.status(), response::text);
            Map<String, Object> result = Json.object(response.text());
            if (framing.equals("length")) {
                assertEquals(Integer.toString(BODY.length()), result.get("content_length"));
            } else {
                assertNull(result.get("content_length"), "no CONTENT_LENGTH for a chunked upload");
            }
            return result;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> parts(Map<String, Object> result) {
        return (List<String>) result.get("parts");
    }

    private static List<String> lines(String text, int max) {
        List<String> lines = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int nl = text.indexOf('\n', at);
            int end = nl < 0 ? text.length() : nl + 1;
            if (max > 0) {
                end = Math.min(end, at + max);
            }
            lines.add(text.substring(at, end));
            at = end;
        }
        return lines;
    }

    @ParameterizedTest
    @MethodSource("framings")
    void readSize(String framing) throws Exception {
        List<String> parts = parts(upload("mode=read_n&n=5", framing));
        assertEquals(BODY, String.join("", parts));
        for (int i = 0; i < parts.size() - 1; i++) {
            assertEquals(5, parts.get(i).length(), parts::toString);
        }
    }

    /** read(CONTENT_LENGTH), the classic way; needs a length, so no chunked variant. */
    @Test
    void readContentLength() throws Exception {
        assertEquals(List.of(BODY), parts(upload("mode=read_length", "length")));
    }

    @ParameterizedTest
    @MethodSource("framings")
    void readAll(String framing) throws Exception {
        breaksPepOnPurpose("read() without a size is not in PEP 3333; the validator's InputWrapper requires one argument");
        assertEquals(List.of(BODY, ""), parts(upload("mode=read_all", framing)), "all, then b'' at the end");
    }

    @ParameterizedTest
    @MethodSource("framings")
    void readline(String framing) throws Exception {
        assertEquals(lines(BODY, 0), parts(upload("mode=readline_n", framing)));
    }

    @ParameterizedTest
    @MethodSource("framings")
    void readlineSize(String framing) throws Exception {
        assertEquals(lines(BODY, 4), parts(upload("mode=readline_n&n=4", framing)));
    }

    @ParameterizedTest
    @MethodSource("framings")
    void readlines(String framing) throws Exception {
        List<String> all = lines(BODY, 0);
        assertEquals(List.of(BODY, "|" + all.size() + "|"), parts(upload("mode=readlines", framing)));
    }

    @ParameterizedTest
    @MethodSource("framings")
    void readlinesHint(String framing) throws Exception {
        List<String> parts = parts(upload("mode=readlines&n=12", framing));
        StringBuilder joined = new StringBuilder();
        int calls = 0;
        for (int i = 0; i < parts.size(); i += 2) {
            joined.append(parts.get(i));
            calls++;
        }
        assertEquals(BODY, joined.toString());
        assertTrue(calls > 1, () -> "a hint of 12 stops each call early: " + parts);
    }

    @ParameterizedTest
    @MethodSource("framings")
    void iteration(String framing) throws Exception {
        assertEquals(lines(BODY, 0), parts(upload("mode=iter", framing)));
    }

    /** 50 MiB of a deterministic sequence, hashed on both sides while it streams. */
    @Test
    void largeUploadIsStreamed() throws Exception {
        long size = 50L * 1024 * 1024;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        InputStream source = new InputStream() {
            private long produced;
            private long state = 0x9E3779B97F4A7C15L;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (produced >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - produced);
                for (int i = 0; i < n; i++) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    b[off + i] = (byte) state;
                }
                sent.update(b, off, n);
                produced += n;
                return n;
            }
        };
        HttpResponse<String> response = send(request("/sha256").POST(
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> source), size)));
        assertEquals(200, response.statusCode(), response::body);
        Map<String, Object> result = Json.object(response.body());
        assertEquals(size, result.get("bytes"));
        assertEquals(HexFormat.of().formatHex(sent.digest()), result.get("sha256"));
        assertTrue((Long) result.get("biggest_read") <= 65536);
    }

    @Test
    void expectContinueIsAnsweredOnTheFirstRead() throws Exception {
        try (RawClient client = raw()) {
            client.send("POST /expect?delay=0.6 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response interim = client.read();
            assertEquals(100, interim.status());
            assertTrue(interim.headMillis() >= 550, () -> "100 Continue only when the app reads: at " + interim.headMillis() + " ms");
            client.send("hello");
            RawClient.Response response = client.read();
            assertEquals(200, response.status());
            assertEquals("got: hello", response.text());
        }
    }

    @Test
    void expectContinueIsNotSentWhenTheAppDoesNotRead() throws Exception {
        try (RawClient client = raw()) {
            client.send("POST /expect?delay=0&read=0 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response response = client.read();
            assertEquals(200, response.status(), "no 100 Continue before the final response");
            assertEquals("got: not read", new String(response.body(), StandardCharsets.ISO_8859_1));
        }
        assertStillServing();
    }
}
