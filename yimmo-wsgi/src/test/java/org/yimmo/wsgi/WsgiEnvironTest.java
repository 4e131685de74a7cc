package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PEP 3333 "environ Variables", one server with one worker thread, no mount prefix. */
class WsgiEnvironTest extends WsgiServerFixture {

    @Override
    protected String[] options() {
        return new String[] {"-t", "1"};
    }

    private Map<String, Object> rawEnviron(String request) throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send(request).read();
            assertEquals(200, response.status(), response::text);
            return Json.object(response.text());
        }
    }

    @Test
    void requestMethodAndProtocol() throws Exception {
        Map<String, Object> env = getJson("/environ");
        assertEquals("GET", env.get("REQUEST_METHOD"));
        assertEquals("HTTP/1.1", env.get("SERVER_PROTOCOL"));
        HttpResponse<String> post = send(request("/environ").POST(HttpRequest.BodyPublishers.ofString("x=1")));
        assertEquals("POST", Json.object(post.body()).get("REQUEST_METHOD"));
        HttpResponse<String> delete = send(request("/environ").DELETE());
        assertEquals("DELETE", Json.object(delete.body()).get("REQUEST_METHOD"));

        Map<String, Object> http10 = rawEnviron("GET /environ HTTP/1.0\r\n\r\n");
        assertEquals("HTTP/1.0", http10.get("SERVER_PROTOCOL"));
    }

    @Test
    void scriptNameEmptyAndPathInfoDecodedAsLatin1() throws Exception {
        Map<String, Object> env = getJson("/environ/caf%C3%A9");
        assertEquals("", env.get("SCRIPT_NAME"));
        // PEP 3333: the UTF-8 bytes of "é" decoded as latin-1, one character per byte
        assertEquals("/environ/caf\u00c3\u00a9", env.get("PATH_INFO"));
        assertEquals("/environ/a b", getJson("/environ/a%20b").get("PATH_INFO"));
        assertEquals("/environ/x/y", getJson("/environ/x/y").get("PATH_INFO"));
        assertEquals("/environ/a?b", getJson("/environ/a%3Fb?q=1").get("PATH_INFO"));
    }

    @Test
    void queryStringIsRaw() throws Exception {
        Map<String, Object> env = getJson("/environ?x=%20y&z=caf%C3%A9&e=&plus=a+b");
        assertEquals("x=%20y&z=caf%C3%A9&e=&plus=a+b", env.get("QUERY_STRING"));
        assertEquals("", getJson("/environ").get("QUERY_STRING"));
    }

    @Test
    void contentTypeAndLengthOnlyWhenSent() throws Exception {
        Map<String, Object> env = rawEnviron("GET /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertFalse(env.containsKey("CONTENT_TYPE"), env::toString);
        assertFalse(env.containsKey("CONTENT_LENGTH"), env::toString);

        Map<String, Object> post = rawEnviron("POST /environ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\nx=1");
        assertEquals("application/x-www-form-urlencoded", post.get("CONTENT_TYPE"));
        assertEquals("3", post.get("CONTENT_LENGTH"));
        assertFalse(post.containsKey("HTTP_CONTENT_TYPE"));
        assertFalse(post.containsKey("HTTP_CONTENT_LENGTH"));
    }

    @Test
    void serverNameAndPort() throws Exception {
        Map<String, Object> env = getJson("/environ");
        assertEquals(server.host(), env.get("SERVER_NAME"));
        assertEquals(Integer.toString(server.port()), env.get("SERVER_PORT"), "the bound port, not the 0 asked for");
        assertEquals(server.host() + ":" + server.port(), env.get("HTTP_HOST"));
    }

    @Test
    void remoteAddressAndPort() throws Exception {
        try (RawClient client = raw()) {
            RawClient.Response response = client.send("GET /environ HTTP/1.1\r\nHost: t\r\n\r\n").read();
            Map<String, Object> env = Json.object(response.text());
            assertEquals(client.socket().getLocalAddress().getHostAddress(), env.get("REMOTE_ADDR"));
            assertEquals(Integer.toString(client.socket().getLocalPort()), env.get("REMOTE_PORT"));
        }
    }

    @Test
    void httpFields() throws Exception {
        Map<String, Object> env = rawEnviron("GET /environ HTTP/1.1\r\nHost: example.test\r\n"
                + "X-Custom-Thing: one\r\n"
                + "Accept: text/plain\r\n"
                + "accept: text/html\r\n"
                + "X_Under_Score: smuggled\r\n"
                + "X-Latin: caf\u00e9\r\n"
                + "Connection: close\r\n\r\n");
        assertEquals("example.test", env.get("HTTP_HOST"));
        assertEquals("one", env.get("HTTP_X_CUSTOM_THING"));
        assertEquals("text/plain, text/html", env.get("HTTP_ACCEPT"), "repeated fields joined with ', '");
        assertEquals("caf\u00e9", env.get("HTTP_X_LATIN"), "field values are latin-1 str");
        assertFalse(env.containsKey("HTTP_X_UNDER_SCORE"), "a field with '_' in its name is dropped");
        assertFalse(env.toString().contains("smuggled"), env::toString);
    }

    @Test
    void wsgiVariables() throws Exception {
        Map<String, Object> env = getJson("/environ");
        assertEquals("(1, 0)", env.get("wsgi.version"));
        assertEquals("http", env.get("wsgi.url_scheme"));
        assertEquals("False", env.get("wsgi.multithread"), "-t 1");
        assertEquals("False", env.get("wsgi.multiprocess"));
        assertEquals("False", env.get("wsgi.run_once"));
        assertEquals("True", env.get("wsgi.input_terminated"));
        assertTrue(env.containsKey("wsgi.input"));
        assertTrue(env.containsKey("wsgi.errors"));
        assertTrue(env.containsKey("wsgi.file_wrapper"));
        assertEquals(Boolean.TRUE, env.get("file_wrapper_is_yimmo"));
        // the validated run really runs under the validator (it wraps wsgi.input)
        assertEquals(validated(), String.valueOf(env.get("wsgi.input")).contains("wsgiref.validate.InputWrapper"),
                () -> String.valueOf(env.get("wsgi.input")));
    }

    @Test
    void wsgiErrorsGoToTheServerLog() throws Exception {
        String marker = "m" + System.nanoTime();
        getJson("/environ?errors=" + marker);
        String log = server.awaitLog(logMark(), "wsgi.errors line two: " + marker, Duration.ofSeconds(5));
        assertTrue(log.contains("wsgi.errors line one: " + marker), log);
    }

    @Test
    void fileWrapperServesAFile() throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri("/file?name=pep3333_app.py"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        byte[] expected = Files.readAllBytes(WsgiProcess.app("pep3333_app.py"));
        assertEquals(Long.toString(expected.length), response.headers().firstValue("Content-Length").orElse(null));
        assertEquals(new String(expected, StandardCharsets.ISO_8859_1), new String(response.body(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void yimmoModule() throws Exception {
        Map<String, Object> env = getJson("/environ");
        assertEquals(Version.VERSION, env.get("yimmo.__version__"));
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) env.get("yimmo.server_info()");
        assertEquals("yimmo-wsgi/" + Version.VERSION, info.get("software"));
        assertEquals(1L, info.get("threads"));
        assertEquals(1L, info.get("processes"));
        assertEquals("select", info.get("reactor"));
    }
}
