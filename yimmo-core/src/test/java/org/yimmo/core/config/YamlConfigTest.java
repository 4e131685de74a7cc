package org.yimmo.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.core.log.LogLevel;

/** The YAML layer: keys, value types, and files that cannot be used. */
class YamlConfigTest {

    private static final ConfigResolver RESOLVER = new ConfigResolver(CoreSettings.ALL);

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path file = dir.resolve("yimmo.yaml");
        Files.writeString(file, text);
        return file;
    }

    private static Config resolve(Path file) {
        return RESOLVER.resolve(CommandLine.empty(), Map.of("YIMMO_WSGI_CONFIG", file.toString()));
    }

    private static String failure(Path file) {
        return assertThrows(ConfigException.class, () -> resolve(file)).getMessage();
    }

    @Test
    void shouldReadTheOriginalsExampleWarningAboutKeysCoreDoesNotKnow() throws IOException {
        // The example from the original's usage text, verbatim apart from indentation.
        Path file = write("---\n"
                + "log_level: INFO\n"
                + "wsgi:\n"
                + "  port: 8081\n"
                + "  tls:\n"
                + "    cert: /path/to/site.crt\n"
                + "    key: /path/to/cert.pem\n"
                + "  no_proc: 2\n"
                + "  no_threads: 2\n");

        Config config = resolve(file);

        assertEquals(new ConfigValue<>(LogLevel.INFO, ConfigOrigin.file(file, "log_level"), "INFO"),
                config.value(CoreSettings.LOG_LEVEL));
        assertEquals(new ConfigValue<>(8081, ConfigOrigin.file(file, "wsgi.port"), "8081"),
                config.value(CoreSettings.PORT));
        assertEquals(List.of(
                "config file " + file + ": unknown key wsgi.tls.cert ignored",
                "config file " + file + ": unknown key wsgi.tls.key ignored",
                "config file " + file + ": unknown key wsgi.no_proc ignored",
                "config file " + file + ": unknown key wsgi.no_threads ignored"), config.warnings());
        config.logWarnings(); // goes to slf4j-simple in the test output; must not throw
    }

    @Test
    void shouldKnowKeysThatAnotherModuleAdds() throws IOException {
        Setting<Path> cert = Setting.builder("TLS certificate", Parsers.path()).yaml("wsgi.tls.cert")
                .env("YIMMO_TLS_CERT_PATH").description("d").build();
        Path file = write("wsgi:\n  tls:\n    cert: /path/to/site.crt\n    key: /path/to/cert.pem\n");
        List<Setting<?>> settings = new ArrayList<>(CoreSettings.ALL);
        settings.add(cert);

        Config config = new ConfigResolver(settings)
                .resolve(CommandLine.empty(), Map.of("YIMMO_WSGI_CONFIG", file.toString()));

        assertEquals(Path.of("/path/to/site.crt"), config.get(cert));
        assertEquals(List.of("config file " + file + ": unknown key wsgi.tls.key ignored"), config.warnings());
    }

    @Test
    void shouldReadAYamlAliasAndRefuseBothSpellings() throws IOException {
        Setting<Path> cert = Setting.builder("TLS certificate", Parsers.path()).yaml("wsgi.tls.cert")
                .yamlAlias("tls.cert").env("YIMMO_TLS_CERT_PATH").description("d").build();
        List<Setting<?>> settings = new ArrayList<>(CoreSettings.ALL);
        settings.add(cert);
        ConfigResolver resolver = new ConfigResolver(settings);

        Path file = write("tls:\n  cert: /top/level.crt\n");
        Config config = resolver.resolve(CommandLine.empty(), Map.of("YIMMO_WSGI_CONFIG", file.toString()));
        assertEquals(new ConfigValue<>(Path.of("/top/level.crt"), ConfigOrigin.file(file, "tls.cert"),
                "/top/level.crt"), config.value(cert));
        assertEquals(List.of(), config.warnings());

        write("tls:\n  cert: /a.crt\nwsgi:\n  tls:\n    cert: /b.crt\n");
        String message = assertThrows(ConfigException.class, () -> resolver.resolve(CommandLine.empty(),
                Map.of("YIMMO_WSGI_CONFIG", file.toString()))).getMessage();
        assertEquals("config file " + file + ": wsgi.tls.cert and tls.cert both set the TLS certificate; keep one",
                message);
    }

    @Test
    void shouldTurnYamlScalarsBackIntoTextForTheSameParsers() throws IOException {
        Path file = write("log_level: warn\n"
                + "wsgi:\n  port: '8082'\n  bind: ::1\n  reactor: KQUEUE\n"
                + "server:\n  idle_timeout: 0.5\n");

        Config config = resolve(file);

        assertEquals(8082, config.get(CoreSettings.PORT));
        assertEquals("::1", config.get(CoreSettings.BIND));
        assertEquals("kqueue", config.get(CoreSettings.REACTOR));
        assertEquals(Duration.ofMillis(500), config.get(CoreSettings.IDLE_TIMEOUT));
        assertEquals("0.5", config.value(CoreSettings.IDLE_TIMEOUT).raw());
    }

    @Test
    void shouldReportABadScalarLikeAnyOtherSource() throws IOException {
        Path file = write("wsgi:\n  port: abc\n");

        assertEquals("invalid port: 'abc' from " + file + ": wsgi.port: expected an integer from 0 to 65535",
                failure(file));
    }

    @Test
    void shouldReportFloatsAndBooleansWhereIntegersBelong() throws IOException {
        assertEquals("invalid port: '8081.5' from " + dir.resolve("yimmo.yaml")
                + ": wsgi.port: expected an integer from 0 to 65535", failure(write("wsgi:\n  port: 8081.5\n")));
        assertEquals("invalid port: 'true' from " + dir.resolve("yimmo.yaml")
                + ": wsgi.port: expected an integer from 0 to 65535", failure(write("wsgi:\n  port: true\n")));
    }

    @Test
    void shouldReportAValueOfTheWrongType() throws IOException {
        Path file = write("wsgi:\n  port: [1, 2]\n");
        ConfigException e = assertThrows(ConfigException.class, () -> resolve(file));

        assertEquals("invalid port: '[1, 2]' from " + file + ": wsgi.port: expected an integer from 0 to 65535",
                e.getMessage());
        assertEquals(ConfigOrigin.file(file, "wsgi.port"), e.origin());

        assertEquals("invalid log level: '{a: 1}' from " + file + ": log_level: expected one of FATAL, ERROR, WARNING,"
                + " NOTICE, INFO, DEBUG, TRACE (any case; WARN for WARNING)", failure(write("log_level:\n  a: 1\n")));
    }

    @Test
    void shouldReportAScalarWhereAMappingOfSettingsBelongs() throws IOException {
        Path file = write("wsgi: 8081\n");

        assertEquals("config file " + file + ": wsgi must be a mapping of settings (such as wsgi.bind, wsgi.port,"
                + " wsgi.reactor), not the value '8081'", failure(file));
    }

    @Test
    void shouldLeaveANullValueUnset() throws IOException {
        Config config = resolve(write("wsgi:\n  port:\nserver:\n"));

        assertEquals(ConfigSource.DEFAULT, config.value(CoreSettings.PORT).source());
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void shouldAcceptAnEmptyFile() throws IOException {
        Path file = write("# nothing yet\n");

        Config config = resolve(file);

        assertEquals(8081, config.get(CoreSettings.PORT));
        assertEquals(Optional.of(file), config.file());
    }

    @Test
    void shouldReportAMissingFileNamingWhereItsPathCameFrom() {
        Path file = dir.resolve("absent.yaml");

        assertEquals("config file " + file + " (from environment variable YIMMO_WSGI_CONFIG) does not exist",
                failure(file));
        ConfigException e = assertThrows(ConfigException.class, () -> RESOLVER.resolve(
                new CommandLineParser(CoreSettings.ALL).parse("--config=" + file), Map.of()));
        assertEquals("config file " + file + " (from command line option --config) does not exist", e.getMessage());
    }

    @Test
    void shouldReportADirectory() {
        assertEquals("config file " + dir + " (from environment variable YIMMO_WSGI_CONFIG) is a directory, "
                + "not a YAML file", failure(dir));
    }

    @Test
    void shouldReportAFileThatIsNotUtf8() throws IOException {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, "wsgi:\n  bind: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        assertEquals("cannot read config file " + file + " (from environment variable YIMMO_WSGI_CONFIG): "
                + "it is not UTF-8 text", failure(file));
    }

    @Test
    void shouldReportMalformedYamlWithItsPosition() throws IOException {
        Path file = write("wsgi:\n  port: [8081\n  bind: x\n");

        String message = failure(file);

        assertTrue(message.startsWith("config file " + file + " (from environment variable YIMMO_WSGI_CONFIG) "
                + "is not valid YAML: "), message);
        assertTrue(message.matches(".* at line \\d+, column \\d+"), message);
        assertTrue(!message.contains("\n"), "one line: " + message);
    }

    @Test
    void shouldReportDuplicateKeys() throws IOException {
        Path file = write("wsgi:\n  port: 1\n  port: 2\n");

        String message = failure(file);

        assertTrue(message.contains("is not valid YAML") && message.contains("duplicate key port"), message);
    }

    @Test
    void shouldReportATopLevelThatIsNotAMapping() throws IOException {
        assertEquals("config file " + dir.resolve("yimmo.yaml") + " (from environment variable YIMMO_WSGI_CONFIG)"
                + " must hold a mapping of settings at the top level, not a sequence [8081, 8082]",
                failure(write("- 8081\n- 8082\n")));
        assertEquals("config file " + dir.resolve("yimmo.yaml") + " (from environment variable YIMMO_WSGI_CONFIG)"
                + " must hold a mapping of settings at the top level, not the value 'port 8081'",
                failure(write("port 8081\n")));
    }

    @Test
    void shouldRefuseTagsThatNameJavaClasses() throws IOException {
        // The classic SnakeYAML gadget: with an unsafe constructor this would build a
        // ScriptEngineManager around a URLClassLoader pointed at a remote jar.
        Path file = write("wsgi:\n  port: !!javax.script.ScriptEngineManager "
                + "[!!java.net.URLClassLoader [[!!java.net.URL [\"http://localhost:1/x.jar\"]]]]\n");

        String message = failure(file);

        assertTrue(message.startsWith("config file " + file + " (from environment variable YIMMO_WSGI_CONFIG) "
                + "is not valid YAML: "), message);
        assertTrue(message.contains("javax.script.ScriptEngineManager"), message);
    }

    @Test
    void shouldRefuseAnAliasBomb() throws IOException {
        StringBuilder text = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            text.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                text.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            text.append("]\n");
        }

        assertTrue(failure(write(text.toString())).contains("is not valid YAML"));
    }
}
