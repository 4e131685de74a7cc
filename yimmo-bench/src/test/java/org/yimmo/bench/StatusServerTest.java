package org.yimmo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The /status example as a newcomer runs it: a real JVM process, its output, its exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StatusServerTest extends ExampleProcesses {

    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+):(\\d+)");

    private Process start(Map<String, String> env, String... args) throws IOException {
        return start(StatusServer.class, env, args);
    }

    @Test
    void shouldAnswerStatusOnThePortItPrintsAndStopOnSigterm() throws Exception {
        Process server = start(Map.of("YIMMO_SERVER_IDLE_TIMEOUT", "7"), "--port", "0", "--log-level", "info");
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line = listeningLine(out);
        Matcher matcher = LISTENING.matcher(String.valueOf(line));
        assertTrue(matcher.find(), "first line: " + line);
        assertTrue(line.contains("reactor select"), line);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = URI.create("http://" + matcher.group(1) + ":" + matcher.group(2));
        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(base.resolve("/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
        assertEquals("OK", ok.body());
        assertEquals("text/plain", ok.headers().firstValue("content-type").orElse(null));
        assertEquals("yimmo", ok.headers().firstValue("server").orElse(null));
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(base.resolve("/other")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());

        server.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
        String rest = String.join("\n", out.lines().toList());
        assertTrue(server.waitFor(20, TimeUnit.SECONDS), "SIGTERM did not stop the server");
        assertTrue(rest.contains("status server stopped"), rest);
    }

    @Test
    void shouldRefuseABadPortNamingTheOptionValueAndExpectation() throws Exception {
        Process server = start(Map.of(), "--port", "99999");
        assertTrue(server.waitFor(20, TimeUnit.SECONDS));
        String output = new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, server.exitValue(), output);
        assertEquals("status-server: invalid port: '99999' from command line option --port: "
                + "expected an integer from 0 to 65535", output.strip());
    }

    @Test
    void shouldRefuseAReactorThatIsNotThere() throws Exception {
        Process server = start(Map.of("YIMMO_WSGI_USE_KQUEUE", "1"), "--port", "0");
        assertTrue(server.waitFor(20, TimeUnit.SECONDS));
        String output = new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, server.exitValue(), output);
        assertTrue(output.contains("reactor 'kqueue'") && output.contains("Available: select"), output);
    }
}
