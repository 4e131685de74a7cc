package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * yimmo-wsgi over TLS, in child processes: the environ says https, the settings come from each
 * source (the original's top-level {@code tls:} YAML key too), an extra plain listener serves
 * http, and a half-given or broken certificate is a usage error naming the setting or the file.
 */
class WsgiTlsTest {

    @TempDir
    static Path dir;
    private static Path cert;
    private static Path key;
    private static HttpClient client;

    @BeforeAll
    static void makeCertificate() throws Exception {
        TestCertificate certificate = TestCertificate.make(dir);
        cert = certificate.cert();
        key = certificate.key();
        client = certificate.client();
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static void assertContains(String haystack, String needle) {
        assertTrue(haystack.contains(needle), () -> "expected '" + needle + "' in:\n" + haystack);
    }

    @Test
    void shouldServeHttpsWithTheSchemeInTheEnviron() throws Exception {
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "report:app"), Map.of())) {
            assertContains(server.stdout(), "listening on https://127.0.0.1:" + server.port() + "/");
            String body = get("https://127.0.0.1:" + server.port() + "/x");
            assertContains(body, "\"url_scheme\": \"https\"");
            assertContains(body, "\"https\": \"on\"");
        }
    }

    @Test
    void shouldReadTheSettingsFromTheEnvironmentAndTheOriginalsYamlAndAddAPlainListener() throws Exception {
        Path config = dir.resolve("tls.yaml");
        Files.writeString(config, "tls:\n  cert: " + cert + "\nwsgi:\n  port: 0\n  plain_port: 0\n");
        Map<String, String> env = ServerProcess.env("YIMMO_TLS_KEY_PATH", key.toString());
        try (ServerProcess server = ServerProcess.start(List.of("-c", config.toString(), "-l", "DEBUG", "report:app"),
                env)) {
            assertContains(server.stderr(), "setting TLS certificate = " + cert + " (" + config + ": tls.cert)");
            assertContains(server.stderr(), "setting TLS private key = " + key
                    + " (environment variable YIMMO_TLS_KEY_PATH)");
            Matcher plain = Pattern.compile(" and http://127\\.0\\.0\\.1:(\\d+)/").matcher(server.stdout());
            assertTrue(plain.find(), server.stdout());
            String overTls = get("https://127.0.0.1:" + server.port() + "/x");
            assertContains(overTls, "\"url_scheme\": \"https\"");
            assertContains(overTls, "\"server_port\": \"" + server.port() + "\"");
            String overPlain = get("http://127.0.0.1:" + plain.group(1) + "/x");
            assertContains(overPlain, "\"url_scheme\": \"http\"");
            assertContains(overPlain, "\"https\": null");
            assertContains(overPlain, "\"server_port\": \"" + plain.group(1) + "\"");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "boringssl", "jdk"})
    void shouldServeWithTheTlsEngineAsked(String engine) throws Exception {
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "report:app"), ServerProcess.env("YIMMO_TLS_ENGINE", engine))) {
            assertContains(get("https://127.0.0.1:" + server.port() + "/x"), "\"https\": \"on\"");
            assertContains(server.stderr(), "on the select reactor, TLS by " + engine);
        }
    }

    /**
     * The app's own OpenSSL (Python's ssl and hashlib) works in the process whose connections the
     * engine serves: with BoringSSL, whose unversioned symbols would take OpenSSL's place if the
     * engine's libraries were global; with OpenSSL, the same library twice.
     */
    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "openssl"})
    void shouldLeaveTheAppsOwnOpenSslAlone(String engine) throws Exception {
        Map<String, String> env = ServerProcess.env("YIMMO_TLS_ENGINE", engine, "YIMMO_TEST_TLS_CERT", cert.toString(),
                "YIMMO_TEST_TLS_KEY", key.toString());
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "report:app"), env)) {
            String body = get("https://127.0.0.1:" + server.port() + "/?python-ssl");
            assertContains(body, "\"openssl\": \"OpenSSL 3.");
            assertContains(body, "\"version\": \"TLSv1.3\", \"echo\": \"ping\"");
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest("yimmo".getBytes(StandardCharsets.US_ASCII)));
            assertContains(body, "\"sha256\": \"" + sha256 + "\"");
            assertContains(get("https://127.0.0.1:" + server.port() + "/x"), "\"https\": \"on\"");
            assertContains(server.stderr(), "TLS by " + engine);
        }
    }

    /** A libssl chosen by its path: here Debian's BoringSSL, named where the engine would find it anyway. */
    @Test
    void shouldLoadTheTlsLibraryNamed() throws Exception {
        Path boringssl = Path.of("/usr/lib/x86_64-linux-gnu/android/libssl.so.0");
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "--tls-engine", "boringssl", "--tls-library", boringssl.toString(),
                "report:app"), Map.of())) {
            assertContains(get("https://127.0.0.1:" + server.port() + "/x"), "\"https\": \"on\"");
            assertContains(server.stderr(), "TLS by boringssl (BoringSSL)");
        }
    }

    @Test
    void shouldChooseOpenSslByDefault() throws Exception {
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "report:app"), Map.of())) {
            assertContains(get("https://127.0.0.1:" + server.port() + "/x"), "\"https\": \"on\"");
            assertContains(server.stderr(), "TLS by openssl (OpenSSL 3.");
        }
    }

    @Test
    void shouldServeAnEncryptedKeyWithItsPassword() throws Exception {
        Path encrypted = dir.resolve("encrypted.pem");
        Process openssl = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", key.toString(),
                "-out", encrypted.toString(), "-passout", "pass:s3cret").redirectErrorStream(true).start();
        assertEquals(0, openssl.waitFor(), new String(openssl.getInputStream().readAllBytes()));
        try (ServerProcess server = ServerProcess.start(List.of("-P", "0", "--tls-cert", cert.toString(),
                "--tls-key", encrypted.toString(), "report:app"), ServerProcess.env("YIMMO_TLS_KEY_PASSWORD", "s3cret"))) {
            assertContains(get("https://127.0.0.1:" + server.port() + "/x"), "\"https\": \"on\"");
        }
    }

    @Test
    void shouldRefuseHalfATlsSettingOrABrokenFile() throws Exception {
        assertUsageError(List.of("--tls-cert", cert.toString(), "report:app"), Map.of(),
                "TLS certificate '" + cert + "' from command line option --tls-cert needs its private key too: set"
                        + " --tls-key, YIMMO_TLS_KEY_PATH or wsgi.tls.key in the config file");
        assertUsageError(List.of("report:app"), ServerProcess.env("YIMMO_TLS_KEY_PATH", key.toString()),
                "TLS private key '" + key + "' from environment variable YIMMO_TLS_KEY_PATH needs its certificate too");
        assertUsageError(List.of("--plain-port", "8080", "report:app"), Map.of(),
                "plain HTTP port 8080 from command line option --plain-port is only for TLS servers");
        Path missing = dir.resolve("missing.pem");
        assertUsageError(List.of("--tls-cert", missing.toString(), "--tls-key", key.toString(), "report:app"), Map.of(),
                "cannot serve TLS: certificate file " + missing + " does not exist");
        assertUsageError(List.of("--tls-cert", cert.toString(), "--tls-key", cert.toString(), "report:app"), Map.of(),
                "cannot serve TLS: private key file " + cert + " holds no PEM private key");
        Path noLibrary = dir.resolve("libssl.so.3");
        assertUsageError(List.of("--tls-engine", "openssl", "--tls-library", noLibrary.toString(), "--tls-cert",
                cert.toString(), "--tls-key", key.toString(), "report:app"), Map.of(),
                "cannot serve TLS: TLS engine 'openssl' cannot be used: TLS library " + noLibrary + " does not exist");
        assertUsageError(List.of("--tls-library", "/usr/lib/x86_64-linux-gnu/libssl.so.3", "--tls-cert",
                cert.toString(), "--tls-key", key.toString(), "report:app"), Map.of(),
                "cannot serve TLS: a TLS library (/usr/lib/x86_64-linux-gnu/libssl.so.3) is for an engine that loads"
                        + " one: name it (openssl or boringssl), not auto");
        assertUsageError(List.of("--tls-engine", "wolfssl", "--tls-cert", cert.toString(), "--tls-key", key.toString(),
                "report:app"), Map.of(), "invalid TLS engine: 'wolfssl' from command line option --tls-engine: expected one"
                        + " of auto, openssl, boringssl, jdk");
    }

    private static void assertUsageError(List<String> args, Map<String, String> env, String message) throws Exception {
        ServerProcess.Result result = ServerProcess.run(args, env);
        assertEquals(2, result.exitCode(), () -> args + " " + env + ":\n" + result.all());
        assertContains(result.stderr(), "yimmo-wsgi: " + message);
        assertEquals("", result.stdout());
    }
}
