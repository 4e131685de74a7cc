package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Real frameworks under yimmo-wsgi: Flask, Django and a gevent-monkey-patched app. They are
 * Debian packages (python3-flask, python3-django, python3-gevent; .ci/run installs them), so the
 * server embeds Debian's /usr/bin/python3.
 */
class FrameworkAppsTest {

    private static final String DEBIAN_PYTHON = "/usr/bin/python3";

    private static void assertContains(String haystack, String needle) {
        assertTrue(haystack.contains(needle), () -> "expected '" + needle + "' in:\n" + haystack);
    }

    private static ServerProcess start(String app, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--python", DEBIAN_PYTHON, "-P", "0"));
        args.addAll(List.of(more));
        args.add(app);
        return ServerProcess.start(args, Map.of());
    }

    private static HttpRequest.Builder post(ServerProcess server, String path, String contentType, String body) {
        return HttpRequest.newBuilder(server.uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @Test
    void flask() throws Exception {
        try (ServerProcess server = start("flask_app:app", "-t", "2")) {
            HttpResponse<String> page = server.get("/");
            assertEquals(200, page.statusCode());
            assertEquals("<p>Hello, World!</p>", page.body());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));

            HttpResponse<String> form = server.send(post(server, "/form", "application/x-www-form-urlencoded",
                    "name=J%C3%BCrgen+X&count=41"));
            assertEquals(200, form.statusCode(), form.body());
            assertEquals("name=J\u00fcrgen X count=42", form.body());

            HttpResponse<String> json = server.send(post(server, "/json", "application/json",
                    "{\"numbers\": [1, 2, 3.5], \"tag\": \"\u00e9\"}"));
            assertEquals(200, json.statusCode(), json.body());
            assertEquals("application/json", json.headers().firstValue("Content-Type").orElse(""));
            assertContains(json.body().replace(" ", "").replace("\n", ""), "\"total\":6.5");
            assertContains(json.body(), "\\u00e9");
            assertContains(server.get("/json?a=1&b=two").body().replace(" ", "").replace("\n", ""),
                    "\"args\":{\"a\":\"1\",\"b\":\"two\"}");

            HttpResponse<String> missing = server.get("/no/such/page");
            assertEquals(404, missing.statusCode());
            assertContains(missing.body(), "Not Found");
            HttpResponse<String> wrongMethod = server.send(post(server, "/", "text/plain", "x"));
            assertEquals(405, wrongMethod.statusCode());
        }
    }

    @Test
    void django() throws Exception {
        try (ServerProcess server = start("django_app:application", "--script-name", "/site")) {
            HttpResponse<String> info = server.get("/site/info/");
            assertEquals(200, info.statusCode(), info.body());
            assertContains(info.body(), "\"framework\": \"django\"");
            assertContains(info.body(), "\"script_name\": \"/site\"");
            assertContains(info.body(), "\"path\": \"/site/info/\"");
            assertEquals("plain text", server.get("/site/plain/").body());

            // The template view, which sets the CSRF cookie and renders the token.
            HttpResponse<String> page = server.get("/site/greet/?name=Ada");
            assertEquals(200, page.statusCode(), page.body());
            assertContains(page.body(), "<h1>Hello, Ada!</h1>");
            Matcher token = Pattern.compile("name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"").matcher(page.body());
            assertTrue(token.find(), page.body());
            String cookie = page.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("csrftoken="))
                    .findFirst().orElseThrow(() -> new AssertionError("no csrftoken cookie: " + page.headers().map()));
            String cookieValue = cookie.substring("csrftoken=".length(), cookie.indexOf(';'));

            // The POST with the token round trip.
            HttpResponse<String> posted = server.send(post(server, "/site/greet/", "application/x-www-form-urlencoded",
                    "csrfmiddlewaretoken=" + token.group(1) + "&name=Grace").header("Cookie", "csrftoken=" + cookieValue));
            assertEquals(200, posted.statusCode(), posted.body());
            assertContains(posted.body(), "<h1>Hello, Grace!</h1>");
            assertContains(posted.body(), "<p>posted</p>");

            // Without the token: Django refuses it (DEBUG False: its short 403 page).
            HttpResponse<String> forged = server.send(post(server, "/site/greet/", "application/x-www-form-urlencoded",
                    "name=Mallory"));
            assertEquals(403, forged.statusCode());

            // DEBUG False: a plain 404, no debug page.
            HttpResponse<String> missing = server.get("/site/nothing/");
            assertEquals(404, missing.statusCode());
            assertTrue(!missing.body().contains("URLconf"), missing.body());
        }
    }

    @Test
    void geventMonkeyPatchedApp() throws Exception {
        try (ServerProcess server = start("gevent_app:app", "-t", "2")) {
            // Several concurrent requests on two worker threads, each running its own gevent hub.
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String path = "/g" + i;
                responses.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return server.get(path);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (int i = 0; i < responses.size(); i++) {
                HttpResponse<String> response = responses.get(i).join();
                assertEquals(200, response.statusCode(), response.body());
                String body = response.body();
                assertContains(body, "\"patched_socket\": true");
                assertContains(body, "\"patched_time\": true");
                assertContains(body, "\"patched_threading\": true");
                assertContains(body, "\"socket_is_gevent\": \"gevent.");
                assertContains(body, "\"path\": \"/g" + i + "\"");
                Matcher elapsed = Pattern.compile("\"elapsed\": ([0-9.e-]+)").matcher(body);
                assertTrue(elapsed.find(), body);
                double seconds = Double.parseDouble(elapsed.group(1));
                assertTrue(seconds >= 0.19 && seconds < 0.5, "three greenlets sleeping 0.2 s took " + seconds + " s");
            }
            assertEquals(0, server.stop(), server::output);
            assertContains(server.stderr(), "yimmo-wsgi stopped");
        }
    }
}
