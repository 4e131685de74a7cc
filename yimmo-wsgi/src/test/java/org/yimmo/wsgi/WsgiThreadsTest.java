package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Four worker threads and a mount prefix: wsgi.multithread, SCRIPT_NAME, slow and fast requests together. */
class WsgiThreadsTest extends WsgiServerFixture {

    @Override
    protected String[] options() {
        return new String[] {"-t", "4", "--script-name", "/mount"};
    }

    @Test
    void multithreadIsTrue() throws Exception {
        Map<String, Object> env = getJson("/mount/environ");
        assertEquals("True", env.get("wsgi.multithread"));
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) env.get("yimmo.server_info()");
        assertEquals(4L, info.get("threads"));
    }

    @Test
    void scriptNameIsStrippedFromPathInfo() throws Exception {
        Map<String, Object> env = getJson("/mount/environ/x%20y?q=1");
        assertEquals("/mount", env.get("SCRIPT_NAME"));
        assertEquals("/environ/x y", env.get("PATH_INFO"));
        assertEquals("q=1", env.get("QUERY_STRING"));
    }

    @Test
    void onlyAWholeSegmentIsTheMount() throws Exception {
        HttpResponse<String> response = get("/mountain/x");
        assertEquals(404, response.statusCode());
        Map<String, Object> seen = Json.object(response.body());
        assertEquals("/mountain/x", seen.get("PATH_INFO"), "not stripped: /mount is not a prefix segment of it");
        HttpResponse<String> exact = get("/mount");
        assertEquals("", Json.object(exact.body()).get("PATH_INFO"));
        assertEquals("/mount", Json.object(exact.body()).get("SCRIPT_NAME"));
    }

    @Test
    void aSlowRequestDoesNotDelayFastOnes() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync(
                request("/mount/sleep?s=2").timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        Thread.sleep(200);
        for (int i = 0; i < 10; i++) {
            long t = System.nanoTime();
            Map<String, Object> env = getJson("/mount/environ?fast=" + i);
            assertEquals("fast=" + i, env.get("QUERY_STRING"));
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertTrue(ms < 1000, () -> "a fast request waited " + ms + " ms");
        }
        assertFalse(slow.isDone(), "the fast requests were all served while the slow one slept");
        HttpResponse<String> slept = slow.get();
        assertEquals(200, slept.statusCode());
        assertTrue(slept.body().startsWith("slept 2."), slept.body());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 4000);
    }
}
