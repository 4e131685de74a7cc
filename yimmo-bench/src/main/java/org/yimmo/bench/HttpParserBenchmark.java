package org.yimmo.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.yimmo.http.parser.HttpLimits;
import org.yimmo.http.parser.RequestHeadParser;

/**
 * The request-head parser over a direct buffer, reset per operation as a keep-alive connection
 * does between requests:
 *
 * <ul>
 *   <li>{@code browserGet}: a ~400-byte browser GET (ten fields, a cookie).
 *   <li>{@code apiPost}: a six-field POST with Content-Length; only the head is parsed.
 *   <li>{@code naiveApiPost}: the same request split into Strings with {@code indexOf} and
 *       {@code split}, no validation: the allocation-heavy baseline the parser replaces.
 * </ul>
 *
 * <p>Target: at most 200 ns and 0 B/op ({@code -prof gc}) per parse.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HttpParserBenchmark {

    static final String BROWSER_GET = "GET /articles/2024/event-loops-on-the-jvm?ref=home HTTP/1.1\r\n"
            + "Host: www.example.org\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-GB,en;q=0.7\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=6f1c2a9e0b; theme=dark\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "\r\n";

    static final String API_POST = "POST /v1/orders HTTP/1.1\r\n"
            + "Host: api.example.org\r\n"
            + "User-Agent: client/2.3\r\n"
            + "Accept: application/json\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: 16\r\n"
            + "Authorization: Bearer abcdef0123456789\r\n"
            + "\r\n"
            + "{\"item\":42,\"n\":1}";

    private ByteBuffer browserGet;
    private ByteBuffer apiPost;
    private RequestHeadParser parser;
    private String apiPostString;

    private static ByteBuffer direct(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
        b.put(bytes).flip();
        return b;
    }

    @Setup
    public void setUp() {
        browserGet = direct(BROWSER_GET);
        apiPost = direct(API_POST);
        parser = new RequestHeadParser(HttpLimits.defaults());
        apiPostString = API_POST;
        if (parse(browserGet) != 10 || parse(apiPost) != 16) {
            throw new IllegalStateException("benchmark requests do not parse");
        }
    }

    private long parse(ByteBuffer buffer) {
        buffer.position(0);
        parser.reset();
        if (parser.parse(buffer) != RequestHeadParser.COMPLETE) {
            throw new IllegalStateException(parser.errorReason());
        }
        return parser.head().chunked() ? -1 : Math.max(parser.head().contentLength(), parser.head().headerCount());
    }

    @Benchmark
    public long browserGet() {
        return parse(browserGet);
    }

    @Benchmark
    public long apiPost() {
        return parse(apiPost);
    }

    @Benchmark
    public long naiveApiPost() {
        String s = apiPostString;
        int headEnd = s.indexOf("\r\n\r\n");
        String[] lines = s.substring(0, headEnd).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        long contentLength = -1;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = lines[i].substring(0, colon).trim();
            String value = lines[i].substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) {
                contentLength = Long.parseLong(value);
            }
        }
        return contentLength + requestLine.length;
    }
}
