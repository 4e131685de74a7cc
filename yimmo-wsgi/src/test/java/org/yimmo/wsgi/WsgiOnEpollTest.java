package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The WSGI server on the epoll reactor (the PEP 3333 suite runs on the default one): a plain
 * request, a streamed upload, a streamed response, and wsgi.file_wrapper, which on epoll goes out
 * through the backend's own sendfile.
 */
@Timeout(60)
class WsgiOnEpollTest {

    private static WsgiProcess server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        server = WsgiProcess.start(Map.of(), "--reactor", "epoll", "-t", "2", "pep3333_app:app");
        assertTrue(server.log().contains("on the epoll reactor"), server::log);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void environAnswers() throws Exception {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(server.uri("/environ?x=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("\"QUERY_STRING\": \"x=1\""), response.body());
    }

    @Test
    void uploadStreamsThrough() throws Exception {
        byte[] body = new byte[6 * 1024 * 1024 + 17];
        new Random(5).nextBytes(body);
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(server.uri("/sha256"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        assertTrue(response.body().contains(expected), response.body());
    }

    @Test
    void generatorChunksArrive() throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(server.uri("/slow?chunks=3&size=5&delay=0.05")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("000001111122222", response.body());
    }

    @Test
    void fileWrapperGoesOutWhole() throws Exception {
        Path file = WsgiProcess.APPS.resolve("pep3333_app.py");
        HttpResponse<byte[]> response = CLIENT.send(
                HttpRequest.newBuilder(server.uri("/file?name=pep3333_app.py")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertArrayEquals(Files.readAllBytes(file), response.body());
    }
}
