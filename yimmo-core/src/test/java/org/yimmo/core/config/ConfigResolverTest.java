package org.yimmo.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.core.log.LogLevel;

class ConfigResolverTest {

    private static final CommandLineParser PARSER = new CommandLineParser(CoreSettings.ALL);
    private static final ConfigResolver RESOLVER = new ConfigResolver(CoreSettings.ALL);

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("yimmo.yaml");
        Files.writeString(file, text);
        return file;
    }

    private static Config resolve(Map<String, String> env, String... args) {
        return RESOLVER.resolve(PARSER.parse(args), env);
    }

    @Test
    void shouldUseDefaultsWhenNothingIsGiven() {
        Config config = resolve(Map.of());

        assertEquals(8081, config.get(CoreSettings.PORT));
        assertEquals("127.0.0.1", config.get(CoreSettings.BIND));
        assertEquals(LogLevel.INFO, config.get(CoreSettings.LOG_LEVEL));
        assertEquals(Duration.ofSeconds(5), config.get(CoreSettings.IDLE_TIMEOUT));
        assertEquals("auto", config.get(CoreSettings.REACTOR));
        for (Setting<?> setting : CoreSettings.ALL) {
            assertEquals(ConfigSource.DEFAULT, config.value(setting).source(), setting.name());
        }
        assertEquals("8081", config.value(CoreSettings.PORT).raw());
        assertFalse(config.value(CoreSettings.CONFIG).isSet());
        assertEquals(Optional.empty(), config.find(CoreSettings.CONFIG));
        assertEquals(Optional.empty(), config.file());
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void shouldLayerCommandLineOverEnvironmentOverFileOverDefault() throws IOException {
        Path file = yaml("log_level: debug\n"
                + "wsgi:\n  port: 7000\n  bind: 0.0.0.0\n  reactor: select\n"
                + "server:\n  idle_timeout: 2.5\n");
        Map<String, String> env = Map.of(
                "YIMMO_WSGI_CONFIG", file.toString(),
                "YIMMO_WSGI_PORT", "7001",
                "YIMMO_WSGI_BIND", "10.0.0.1",
                "YIMMO_LOG_LEVEL", "trace");

        Config config = resolve(env, "--port", "7002", "-lwarn");

        // port: all four layers give it; the command line wins.
        assertEquals(new ConfigValue<>(7002, ConfigOrigin.commandLine("--port"), "7002"), config.value(CoreSettings.PORT));
        // log level: command line (short, attached) over environment and file.
        assertEquals(new ConfigValue<>(LogLevel.WARNING, ConfigOrigin.commandLine("-l"), "warn"),
                config.value(CoreSettings.LOG_LEVEL));
        // bind: environment over file.
        assertEquals(new ConfigValue<>("10.0.0.1", ConfigOrigin.environment("YIMMO_WSGI_BIND"), "10.0.0.1"),
                config.value(CoreSettings.BIND));
        // reactor and idle timeout: file over default.
        assertEquals(new ConfigValue<>("select", ConfigOrigin.file(file, "wsgi.reactor"), "select"),
                config.value(CoreSettings.REACTOR));
        assertEquals(new ConfigValue<>(Duration.ofMillis(2500), ConfigOrigin.file(file, "server.idle_timeout"), "2.5"),
                config.value(CoreSettings.IDLE_TIMEOUT));
        // the file's own path came from the environment.
        assertEquals(new ConfigValue<>(file, ConfigOrigin.environment("YIMMO_WSGI_CONFIG"), file.toString()),
                config.value(CoreSettings.CONFIG));
        assertEquals(Optional.of(file), config.file());
    }

    /** One setting's text in each layer: the file, the environment and the command line. */
    private record Layers(Setting<?> setting, String yamlText, String envText, String option, String cliText) {
    }

    @Test
    void shouldApplyEachLayerInTurnForEverySetting() throws IOException {
        List<Layers> cases = List.of(
                new Layers(CoreSettings.PORT, "wsgi:\n  port: 7000\n", "7001", "--port", "7002"),
                new Layers(CoreSettings.BIND, "wsgi:\n  bind: 10.0.0.1\n", "10.0.0.2", "-b", "10.0.0.3"),
                new Layers(CoreSettings.LOG_LEVEL, "log_level: debug\n", "trace", "--log-level", "error"),
                new Layers(CoreSettings.IDLE_TIMEOUT, "server:\n  idle_timeout: 1\n", "2", "--idle-timeout", "3"),
                new Layers(CoreSettings.REACTOR, "wsgi:\n  reactor: select\n", "epoll", "--reactor", "kqueue"));
        for (Layers layers : cases) {
            Setting<?> setting = layers.setting();
            Path file = yaml(layers.yamlText());
            String variable = setting.environment().get(0);
            String key = setting.yamlKey().orElseThrow();
            Map<String, String> withFile = Map.of("YIMMO_WSGI_CONFIG", file.toString());
            Map<String, String> withEnv = Map.of("YIMMO_WSGI_CONFIG", file.toString(), variable, layers.envText());

            ConfigValue<?> all = resolve(withEnv, layers.option(), layers.cliText()).value(setting);
            ConfigValue<?> noCli = resolve(withEnv).value(setting);
            ConfigValue<?> fileOnly = resolve(withFile).value(setting);
            ConfigValue<?> none = resolve(Map.of()).value(setting);

            assertEquals(ConfigOrigin.commandLine(layers.option()), all.origin(), setting.name());
            assertEquals(layers.cliText(), all.raw(), setting.name());
            assertEquals(ConfigOrigin.environment(variable), noCli.origin(), setting.name());
            assertEquals(layers.envText(), noCli.raw(), setting.name());
            assertEquals(ConfigOrigin.file(file, key), fileOnly.origin(), setting.name());
            assertEquals(ConfigOrigin.defaultValue(), none.origin(), setting.name());
            assertEquals(setting.defaultValue(), none, setting.name());
            // The typed values differ per layer, so each layer's own text was parsed.
            assertEquals(4, Set.of(all.value(), noCli.value(), fileOnly.value(), none.value()).size(),
                    setting.name());
        }
    }

    @Test
    void shouldTakeTheConfigFileFromTheCommandLineOverTheEnvironment() throws IOException {
        Path chosen = yaml("wsgi:\n  port: 9000\n");
        Map<String, String> env = Map.of("YIMMO_WSGI_CONFIG", dir.resolve("absent.yaml").toString());

        Config config = resolve(env, "-c", chosen.toString());

        assertEquals(ConfigOrigin.commandLine("-c"), config.value(CoreSettings.CONFIG).origin());
        assertEquals(new ConfigValue<>(9000, ConfigOrigin.file(chosen, "wsgi.port"), "9000"),
                config.value(CoreSettings.PORT));
    }

    @Test
    void shouldNotParseLayersThatLost() {
        // A broken environment variable can be fixed with an option.
        Config config = resolve(Map.of("YIMMO_WSGI_PORT", "not a port"), "--port=80");

        assertEquals(80, config.get(CoreSettings.PORT));
    }

    @Test
    void shouldReportTheWinningLayersBadValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> resolve(Map.of("YIMMO_WSGI_PORT", "abc")));
        assertEquals("invalid port: 'abc' from environment variable YIMMO_WSGI_PORT: expected an integer from 0 to 65535",
                e.getMessage());

        e = assertThrows(ConfigException.class, () -> resolve(Map.of(), "-P", "70000"));
        assertEquals("invalid port: '70000' from command line option -P: expected an integer from 0 to 65535",
                e.getMessage());
    }

    @Test
    void shouldTreatAnEmptyEnvironmentVariableAsUnset() {
        Config config = resolve(Map.of("YIMMO_WSGI_PORT", "", "YIMMO_LOG_LEVEL", ""));

        assertEquals(ConfigSource.DEFAULT, config.value(CoreSettings.PORT).source());
        assertEquals(ConfigSource.DEFAULT, config.value(CoreSettings.LOG_LEVEL).source());
    }

    @Test
    void shouldMapUseKqueueOneOntoTheKqueueReactor() {
        Config config = resolve(Map.of("YIMMO_WSGI_USE_KQUEUE", "1"));

        assertEquals(new ConfigValue<>("kqueue", ConfigOrigin.environment("YIMMO_WSGI_USE_KQUEUE"), "1"),
                config.value(CoreSettings.REACTOR));
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void shouldTreatUseKqueueZeroOrEmptyAsNotSet() throws IOException {
        Path file = yaml("wsgi:\n  reactor: epoll\n");
        for (String off : List.of("0", "")) {
            Config config = resolve(Map.of("YIMMO_WSGI_USE_KQUEUE", off, "YIMMO_WSGI_CONFIG", file.toString()));
            assertEquals(new ConfigValue<>("epoll", ConfigOrigin.file(file, "wsgi.reactor"), "epoll"),
                    config.value(CoreSettings.REACTOR), "'" + off + "'");
            assertEquals(List.of(), config.warnings());
        }
    }

    @Test
    void shouldLetYimmoReactorWinOverUseKqueue() {
        Config config = resolve(Map.of("YIMMO_REACTOR", "select", "YIMMO_WSGI_USE_KQUEUE", "1"));

        assertEquals(new ConfigValue<>("select", ConfigOrigin.environment("YIMMO_REACTOR"), "select"),
                config.value(CoreSettings.REACTOR));
        assertEquals(List.of("environment variable YIMMO_WSGI_USE_KQUEUE ('1') ignored: "
                + "environment variable YIMMO_REACTOR ('select') takes precedence"), config.warnings());
    }

    @Test
    void shouldLetTheCommandLineWinOverUseKqueue() {
        Config config = resolve(Map.of("YIMMO_WSGI_USE_KQUEUE", "1"), "--reactor", "SELECT");

        assertEquals(new ConfigValue<>("select", ConfigOrigin.commandLine("--reactor"), "SELECT"),
                config.value(CoreSettings.REACTOR));
    }

    @Test
    void shouldRejectAnyOtherUseKqueueValueNamingTheVariable() {
        for (String bad : List.of("yes", "2", "true")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> resolve(Map.of("YIMMO_WSGI_USE_KQUEUE", bad)));
            assertEquals("invalid reactor: '" + bad + "' from environment variable YIMMO_WSGI_USE_KQUEUE: "
                    + "expected 1 (meaning kqueue), or 0 or empty for not set", e.getMessage());
            assertEquals(ConfigOrigin.environment("YIMMO_WSGI_USE_KQUEUE"), e.origin());
        }
    }

    @Test
    void shouldWarnRatherThanFailForAGarbledAliasThatLost() {
        Config config = resolve(Map.of("YIMMO_REACTOR", "epoll", "YIMMO_WSGI_USE_KQUEUE", "2"));

        assertEquals("epoll", config.get(CoreSettings.REACTOR));
        assertEquals(1, config.warnings().size());
    }

    @Test
    void shouldTakeTheFirstOfSeveralEnvironmentVariables() {
        Setting<String> name = Setting.builder("name", Parsers.string()).env("NEW_NAME", "OLD_NAME")
                .description("d").build();
        ConfigResolver resolver = new ConfigResolver(List.of(name));

        Config both = resolver.resolve(CommandLine.empty(), Map.of("NEW_NAME", "a", "OLD_NAME", "b"));
        Config old = resolver.resolve(CommandLine.empty(), Map.of("OLD_NAME", "b"));

        assertEquals(ConfigOrigin.environment("NEW_NAME"), both.value(name).origin());
        assertEquals(new ConfigValue<>("b", ConfigOrigin.environment("OLD_NAME"), "b"), old.value(name));
    }

    @Test
    void shouldReportAMissingRequiredSettingWithWaysToSetIt() {
        Setting<String> module = Setting.builder("module", Parsers.string()).longOption("--module")
                .env("YIMMO_WSGI_MODULE").yaml("wsgi.module").required().description("WSGI module").build();
        Config config = new ConfigResolver(List.of(module)).resolve(CommandLine.empty(), Map.of());

        ConfigException e = assertThrows(ConfigException.class, () -> config.get(module));

        assertEquals("missing module: expected a non-empty string; set --module, YIMMO_WSGI_MODULE "
                + "or wsgi.module in the config file", e.getMessage());
        assertEquals(Optional.empty(), config.find(module));
        assertEquals(Setting.Absence.REQUIRED, module.absence());
    }

    @Test
    void shouldAcceptAPositionalArgumentMappedOntoASetting() {
        Setting<String> module = Setting.builder("module", Parsers.string()).env("YIMMO_WSGI_MODULE")
                .description("WSGI module").build();
        ConfigResolver resolver = new ConfigResolver(List.of(module));
        CommandLine commandLine = new CommandLineParser(List.of(module)).parse("hello:app")
                .with(module, "MODULE:APP", "hello");

        Config config = resolver.resolve(commandLine, Map.of("YIMMO_WSGI_MODULE", "other"));

        assertEquals(new ConfigValue<>("hello", ConfigOrigin.commandLine("MODULE:APP"), "hello"), config.value(module));
        assertEquals("command line argument MODULE:APP", config.value(module).origin().describe());
    }

    @Test
    void shouldRefuseSettingsThatClash() {
        Setting<Integer> otherPort = Setting.builder("other port", Parsers.integer(0, 1)).env("YIMMO_WSGI_PORT")
                .description("d").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConfigResolver(List.of(CoreSettings.PORT, otherPort)));
        assertTrue(e.getMessage().contains("environment variable YIMMO_WSGI_PORT"), e.getMessage());

        Setting<String> tls = Setting.builder("tls", Parsers.string()).yaml("wsgi.port.tls").description("d").build();
        assertThrows(IllegalArgumentException.class, () -> new ConfigResolver(List.of(CoreSettings.PORT, tls)));
    }

    @Test
    void shouldRefuseASettingNotResolved() {
        Setting<String> stranger = Setting.builder("stranger", Parsers.string()).env("X").description("d").build();
        Config config = resolve(Map.of());

        assertThrows(IllegalArgumentException.class, () -> config.get(stranger));
    }

    @Test
    void shouldRefuseADefaultItsParserRejects() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Setting.builder("port", Parsers.integer(1, 10)).env("P").defaultValue("0").description("d").build());
        assertEquals("setting 'port': default '0' is not an integer from 1 to 10", e.getMessage());
    }

    @Test
    void shouldDescribeEachValueWithItsOrigin() {
        Config config = resolve(Map.of("YIMMO_WSGI_PORT", "9"));

        List<String> lines = config.describe();

        assertTrue(lines.contains("port = 9 (environment variable YIMMO_WSGI_PORT)"), lines.toString());
        assertTrue(lines.contains("config file = (not set) (default)"), lines.toString());
        assertTrue(lines.contains("idle timeout = 5 (default)"), lines.toString());
    }

    @Test
    void shouldResolveWithoutAConfigFileSetting() {
        ConfigResolver resolver = new ConfigResolver(List.of(CoreSettings.PORT));

        Config config = resolver.resolve(CommandLine.empty(), Map.of("YIMMO_WSGI_CONFIG", "/no/such/file"));

        assertEquals(8081, config.get(CoreSettings.PORT));
        assertEquals(Optional.empty(), config.file());
    }
}
