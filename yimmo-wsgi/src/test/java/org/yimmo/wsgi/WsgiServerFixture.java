package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * One yimmo-wsgi server process per test class, serving {@code pep3333_app:app} from
 * src/test/python. A subclass whose {@link #validated()} is true runs the same tests with the
 * app wrapped in {@code wsgiref.validate.validator} (YIMMO_TEST_VALIDATE=1) and checks after
 * each test, and at the end, that the validator found nothing to object to in the server log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WsgiServerFixture {

    static final String APP = "pep3333_app:app";
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    protected WsgiProcess server;
    protected HttpClient http;
    private int mark;
    private boolean unvalidated;

    /** The command-line options before MODULE:APP. */
    protected abstract String[] options();

    /** True to run the app under wsgiref.validate.validator. */
    protected boolean validated() {
        return false;
    }

    @BeforeAll
    void startServer() throws Exception {
        String[] options = options();
        String[] args = java.util.Arrays.copyOf(options, options.length + 1);
        args[options.length] = APP;
        server = WsgiProcess.start(validated() ? Map.of("YIMMO_TEST_VALIDATE", "1") : Map.of(), args);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    @AfterAll
    void stopServer() throws Exception {
        try {
            if (validated()) {
                assertValidatorSilent(server.log());
            }
        } finally {
            server.close();
        }
    }

    @BeforeEach
    void markLog() {
        mark = server.log().length();
        unvalidated = false;
    }

    @AfterEach
    void checkValidator() {
        if (validated()) {
            assertValidatorSilent(server.logSince(mark));
        }
    }

    private static void assertValidatorSilent(String log) {
        assertFalse(log.contains("AssertionError"), () -> "wsgiref.validate objected:\n" + log);
        assertFalse(log.contains("WSGIWarning"), () -> "wsgiref.validate warned:\n" + log);
    }

    /**
     * The test breaks a PEP 3333 rule on purpose (or uses what PEP 3333 does not define), so in
     * the validated run the validator would stop it before it reaches the server: its requests
     * then carry {@code X-Test-Unvalidated: 1}, and the test app serves them unwrapped. The test
     * still runs, and still checks the server, in both runs.
     *
     * @param why what the test breaks, for the reader
     */
    protected void breaksPepOnPurpose(String why) {
        unvalidated = validated();
    }

    /** The field line that takes a raw request past the validator, when this test needs it. */
    protected String unvalidatedField() {
        return unvalidated ? "X-Test-Unvalidated: 1\r\n" : "";
    }

    /** Where this test's log starts (set before each test). */
    protected int logMark() {
        return mark;
    }

    protected HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(request(pathAndQuery).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    protected HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    protected HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(server.uri(pathAndQuery));
        return unvalidated ? builder.header("X-Test-Unvalidated", "1") : builder;
    }

    protected Map<String, Object> getJson(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = get(pathAndQuery);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + pathAndQuery + " gave " + response.statusCode() + ": " + response.body()
                    + "\nlog:\n" + server.logSince(mark));
        }
        return Json.object(response.body());
    }

    /** The state list the app recorded under {@code key} (e.g. "closed:ID"). */
    protected java.util.List<?> state(String key) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/state?key=" + java.net.URLEncoder.encode(key, StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new AssertionError("state " + key + ": " + response.statusCode() + " " + response.body());
        }
        return (java.util.List<?>) Json.parse(response.body());
    }

    /** Polls {@link #state} until it holds something (or the timeout). */
    protected java.util.List<?> awaitState(String key, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            java.util.List<?> value = state(key);
            if (!value.isEmpty() || System.nanoTime() > deadline) {
                return value;
            }
            Thread.sleep(50);
        }
    }

    /** The server still serves: a plain request right after. */
    protected void assertStillServing() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/environ?still=serving");
        if (response.statusCode() != 200 || !response.body().contains("still=serving")) {
            throw new AssertionError("the server no longer serves: " + response.statusCode() + " " + response.body()
                    + "\nlog:\n" + server.logSince(mark));
        }
    }

    protected URI uri(String pathAndQuery) {
        return server.uri(pathAndQuery);
    }

    protected RawClient raw() throws IOException {
        return new RawClient(server);
    }
}
