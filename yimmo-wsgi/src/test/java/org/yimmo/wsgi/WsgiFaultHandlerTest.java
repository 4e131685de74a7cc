package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PYTHONFAULTHANDLER=1 (or -X faulthandler) enables Python's faulthandler during start-up; its
 * SIGSEGV handler would turn the JVM's own, harmless SIGSEGVs (implicit null checks in compiled
 * code) into "Fatal Python error". The server switches it off and says so.
 */
@Timeout(60)
class WsgiFaultHandlerTest {

    @Test
    void faulthandlerRequestedByTheEnvironmentIsSwitchedOffWithAWarning() throws Exception {
        try (WsgiProcess server = WsgiProcess.start(Map.of("PYTHONFAULTHANDLER", "1"), "faulthandler_app:app")) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 200; i++) { // the JVM keeps serving, compiling as it goes
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.uri("/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals("False", response.body());
            }
            assertTrue(server.log().toLowerCase().contains("faulthandler"), server::log);
        }
    }
}
