package org.yimmo.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class CommandLineParserTest {

    private final CommandLineParser parser = new CommandLineParser(CoreSettings.ALL);

    private static CommandLine.OptionValue value(CommandLine commandLine, Setting<?> setting) {
        return commandLine.option(setting).orElseThrow();
    }

    private String failure(String... args) {
        return assertThrows(ConfigException.class, () -> parser.parse(args)).getMessage();
    }

    @Test
    void shouldParseEveryOptionForm() {
        CommandLine commandLine = parser.parse("--port", "8080", "--bind=::1", "-l", "debug", "-c/etc/y.yaml",
                "--reactor=", "hello:app");

        assertEquals(new CommandLine.OptionValue("--port", "8080"), value(commandLine, CoreSettings.PORT));
        assertEquals(new CommandLine.OptionValue("--bind", "::1"), value(commandLine, CoreSettings.BIND));
        assertEquals(new CommandLine.OptionValue("-l", "debug"), value(commandLine, CoreSettings.LOG_LEVEL));
        assertEquals(new CommandLine.OptionValue("-c", "/etc/y.yaml"), value(commandLine, CoreSettings.CONFIG));
        assertEquals(new CommandLine.OptionValue("--reactor", ""), value(commandLine, CoreSettings.REACTOR));
        assertEquals(Optional.empty(), commandLine.option(CoreSettings.IDLE_TIMEOUT));
        assertEquals(List.of("hello:app"), commandLine.positional());
        assertFalse(commandLine.helpRequested());
        assertFalse(commandLine.versionRequested());
    }

    @Test
    void shouldKeepTheLastOfARepeatedOption() {
        CommandLine commandLine = parser.parse("-P", "1", "--port", "2", "-P3");

        assertEquals(new CommandLine.OptionValue("-P", "3"), value(commandLine, CoreSettings.PORT));
    }

    @Test
    void shouldCollectArgumentsBetweenOptionsAndAfterDoubleDash() {
        CommandLine commandLine = parser.parse("a", "-P", "1", "-", "b", "--", "--port", "-x");

        assertEquals(List.of("a", "-", "b", "--port", "-x"), commandLine.positional());
        assertEquals("1", value(commandLine, CoreSettings.PORT).value());
    }

    @Test
    void shouldTakeTheNextArgumentAsTheValueEvenWithALeadingDash() {
        CommandLine commandLine = parser.parse("--port", "-1", "--bind", "-weird");

        assertEquals("-1", value(commandLine, CoreSettings.PORT).value());
        assertEquals("-weird", value(commandLine, CoreSettings.BIND).value());
    }

    @Test
    void shouldRecogniseHelpAndVersion() {
        assertTrue(parser.parse("-h").helpRequested());
        assertTrue(parser.parse("--help").helpRequested());
        assertTrue(parser.parse("--version").versionRequested());
    }

    @Test
    void shouldRecogniseRegisteredFlags() {
        Flag check = Flag.of('n', "--check-config", "Resolve the configuration, print it and exit");
        CommandLineParser withCheck = parser.withFlag(check);

        assertTrue(withCheck.parse("-n").has(check));
        assertTrue(withCheck.parse("x", "--check-config").has(check));
        assertFalse(withCheck.parse("x").has(check));
        assertEquals(List.of(Flag.HELP, Flag.VERSION, check), withCheck.flags());
        assertThrows(ConfigException.class, () -> parser.parse("-n"), "the original parser is unchanged");
    }

    @Test
    void shouldRefuseAFlagThatClashesWithAnOption() {
        assertThrows(IllegalArgumentException.class, () -> parser.withFlag(Flag.of('P', "--print", "d")));
        assertThrows(IllegalArgumentException.class, () -> parser.withFlag(Flag.of("--help", "d")));
    }

    @Test
    void shouldRejectUnknownOptionsNamingThem() {
        assertEquals("unknown option --prot; see --help", failure("--prot", "80"));
        assertEquals("unknown option --prot (in '--prot=80'); see --help", failure("--prot=80"));
        assertEquals("unknown option -x; see --help", failure("-x"));
        assertEquals("unknown option -x (in '-xyz'); see --help", failure("-xyz"));
    }

    @Test
    void shouldRejectAMissingValueNamingTheOption() {
        assertEquals("option --port needs a value: expected an integer from 0 to 65535", failure("--port"));
        assertEquals("option -l needs a value: expected one of FATAL, ERROR, WARNING, NOTICE, INFO, DEBUG, TRACE"
                + " (any case; WARN for WARNING)", failure("app", "-l"));
        assertEquals("option --config needs a value: expected a file path", failure("--config", "--port", "80"));
        assertEquals("option -c needs a value: expected a file path", failure("-c", "-h"));
        assertEquals("option --bind needs a value: expected a non-empty string", failure("--bind", "--"));
    }

    @Test
    void shouldRejectAValueGivenToAFlag() {
        assertEquals("option --help takes no value (got '--help=yes')", failure("--help=yes"));
        assertEquals("option -h takes no value (got '-hv')", failure("-hv"));
    }

    @Test
    void shouldGiveAnEmptyCommandLine() {
        CommandLine empty = parser.parse();

        assertEquals(List.of(), empty.positional());
        assertTrue(empty.options().isEmpty());
        assertTrue(CommandLine.empty().options().isEmpty());
    }

    @Test
    void shouldKeepWhatWasTypedForTheErrorOrigin() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigResolver(CoreSettings.ALL)
                .resolve(parser.parse("--idle-timeout=soon"), Map.of()));

        assertEquals("invalid idle timeout: 'soon' from command line option --idle-timeout: "
                + "expected a number of seconds greater than 0, such as 5 or 2.5", e.getMessage());
    }
}
