package org.yimmo.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.yimmo.core.log.LogLevel;

/**
 * Each parser's accepted and rejected text; rejections go through a setting, so the whole
 * user-facing message is checked, for each kind of origin.
 */
class ParsersTest {

    private static final ConfigOrigin ENV = ConfigOrigin.environment("YIMMO_WSGI_PORT");
    private static final ConfigOrigin CLI = ConfigOrigin.commandLine("--port");
    private static final ConfigOrigin FILE = ConfigOrigin.file(Path.of("/etc/y.yaml"), "wsgi.port");

    private static <T> String rejection(Setting<T> setting, String raw, ConfigOrigin origin) {
        return assertThrows(ConfigException.class, () -> setting.parse(raw, origin)).getMessage();
    }

    @Test
    void shouldAcceptIntegersInRange() {
        ValueParser<Integer> port = Parsers.integer(0, 65535);
        assertEquals(0, port.parse("0"));
        assertEquals(65535, port.parse("65535"));
        assertEquals(8081, port.parse(" 8081 "));
        assertEquals(80, port.parse("+80"));
        assertEquals("an integer from 0 to 65535", port.expectation());
    }

    @Test
    void shouldRejectIntegersOutOfRangeOrMalformed() {
        Setting<Integer> port = CoreSettings.PORT;
        assertEquals("invalid port: 'abc' from environment variable YIMMO_WSGI_PORT: expected an integer from 0 to 65535",
                rejection(port, "abc", ENV));
        assertEquals("invalid port: '65536' from command line option --port: expected an integer from 0 to 65535",
                rejection(port, "65536", CLI));
        assertEquals("invalid port: '-1' from /etc/y.yaml: wsgi.port: expected an integer from 0 to 65535",
                rejection(port, "-1", FILE));
        assertEquals("invalid port: '80.0' from command line option --port: expected an integer from 0 to 65535",
                rejection(port, "80.0", CLI));
        assertEquals("invalid port: '' from command line option --port: expected an integer from 0 to 65535",
                rejection(port, "", CLI));
        assertEquals("invalid port: '99999999999' from command line option --port: expected an integer from 0 to 65535",
                rejection(port, "99999999999", CLI));
    }

    @Test
    void shouldRefuseAnEmptyIntegerRange() {
        assertThrows(IllegalArgumentException.class, () -> Parsers.integer(2, 1));
    }

    @Test
    void shouldAcceptPositiveDecimalSeconds() {
        ValueParser<Duration> seconds = Parsers.positiveSeconds();
        assertEquals(Duration.ofSeconds(5), seconds.parse("5"));
        assertEquals(Duration.ofMillis(2500), seconds.parse("2.5"));
        assertEquals(Duration.ofMillis(250), seconds.parse(".25"));
        assertEquals(Duration.ofMillis(1500), seconds.parse("1.5e0"));
        assertEquals(Duration.ofNanos(1), seconds.parse("0.0000000001"), "below a nanosecond rounds up");
        assertEquals(Duration.ofNanos(1), seconds.parse("1e-30"));
        assertEquals(Duration.ofSeconds(1, 1), seconds.parse("1.0000000001"));
    }

    @Test
    void shouldRejectSecondsThatAreNotPositiveNumbers() {
        Setting<Duration> idle = CoreSettings.IDLE_TIMEOUT;
        String expected = "expected a number of seconds greater than 0, such as 5 or 2.5";
        ConfigOrigin env = ConfigOrigin.environment("YIMMO_SERVER_IDLE_TIMEOUT");
        assertEquals("invalid idle timeout: '0' from environment variable YIMMO_SERVER_IDLE_TIMEOUT: " + expected,
                rejection(idle, "0", env));
        assertEquals("invalid idle timeout: '-2.5' from environment variable YIMMO_SERVER_IDLE_TIMEOUT: " + expected,
                rejection(idle, "-2.5", env));
        assertEquals("invalid idle timeout: '5s' from environment variable YIMMO_SERVER_IDLE_TIMEOUT: " + expected,
                rejection(idle, "5s", env));
        assertEquals("invalid idle timeout: 'NaN' from environment variable YIMMO_SERVER_IDLE_TIMEOUT: " + expected,
                rejection(idle, "NaN", env));
        assertEquals("invalid idle timeout: 'Infinity' from environment variable YIMMO_SERVER_IDLE_TIMEOUT: " + expected,
                rejection(idle, "Infinity", env));
        assertEquals("invalid idle timeout: '1e999999999' from environment variable YIMMO_SERVER_IDLE_TIMEOUT: "
                + expected, rejection(idle, "1e999999999", env));
    }

    @Test
    void shouldAcceptZeroSecondsOnlyWhereZeroMeansNone() {
        ValueParser<Duration> seconds = Parsers.secondsOrZero();
        assertEquals(Duration.ZERO, seconds.parse("0"));
        assertEquals(Duration.ZERO, seconds.parse("0.0"));
        assertEquals(Duration.ofSeconds(30), seconds.parse("30"));
        assertEquals(Duration.ofNanos(1), seconds.parse("1e-30"), "a positive number never becomes none");
        assertThrows(IllegalArgumentException.class, () -> seconds.parse("-1"));
        assertThrows(IllegalArgumentException.class, () -> seconds.parse("off"));
    }

    @Test
    void shouldAcceptEveryBooleanSpelling() {
        ValueParser<Boolean> bool = Parsers.bool();
        for (String yes : List.of("1", "true", "TRUE", "yes", "Yes", "on", "ON ")) {
            assertEquals(Boolean.TRUE, bool.parse(yes), yes);
        }
        for (String no : List.of("0", "false", "False", "no", "NO", "off", " Off")) {
            assertEquals(Boolean.FALSE, bool.parse(no), no);
        }
    }

    @Test
    void shouldRejectOtherBooleanText() {
        Setting<Boolean> flag = Setting.builder("access log", Parsers.bool()).env("YIMMO_ACCESS_LOG")
                .description("d").build();
        assertEquals("invalid access log: 'maybe' from environment variable YIMMO_ACCESS_LOG: "
                + "expected a boolean: 1/0, true/false, yes/no or on/off",
                rejection(flag, "maybe", ConfigOrigin.environment("YIMMO_ACCESS_LOG")));
        assertEquals("invalid access log: '2' from environment variable YIMMO_ACCESS_LOG: "
                + "expected a boolean: 1/0, true/false, yes/no or on/off",
                rejection(flag, "2", ConfigOrigin.environment("YIMMO_ACCESS_LOG")));
    }

    @Test
    void shouldAcceptChoicesInAnyCaseGivingTheCanonicalSpelling() {
        ValueParser<String> reactor = Parsers.choice("auto", "select", "epoll", "kqueue");
        assertEquals("epoll", reactor.parse("EPOLL"));
        assertEquals("kqueue", reactor.parse(" KQueue "));
        assertEquals("auto", reactor.parse("auto"));
    }

    @Test
    void shouldRejectAnUnknownChoiceListingTheNames() {
        assertEquals("invalid reactor: 'poll' from command line option --reactor: "
                + "expected one of auto, select, epoll, kqueue",
                rejection(CoreSettings.REACTOR, "poll", ConfigOrigin.commandLine("--reactor")));
    }

    @Test
    void shouldTakeStringsAsGiven() {
        assertEquals(" ::1 ", Parsers.string().parse(" ::1 "));
        assertEquals("invalid bind address: '' from command line option -b: expected a non-empty string",
                rejection(CoreSettings.BIND, "", ConfigOrigin.commandLine("-b")));
    }

    @Test
    void shouldParsePathsWithoutCheckingThatTheyExist() {
        assertEquals(Path.of("/no/such/file.yaml"), Parsers.path().parse("/no/such/file.yaml"));
        assertEquals(Path.of("relative/y.yaml"), Parsers.path().parse("relative/y.yaml"));
        assertEquals("invalid config file: '' from command line option --config: expected a file path",
                rejection(CoreSettings.CONFIG, "", ConfigOrigin.commandLine("--config")));
        assertEquals("invalid config file: 'a\0b' from environment variable YIMMO_WSGI_CONFIG: expected a file path",
                rejection(CoreSettings.CONFIG, "a\0b", ConfigOrigin.environment("YIMMO_WSGI_CONFIG")));
    }

    @Test
    void shouldParseLogLevels() {
        assertEquals(LogLevel.WARNING, Parsers.logLevel().parse("warn"));
        assertEquals(LogLevel.NOTICE, Parsers.logLevel().parse("Notice"));
        assertEquals("invalid log level: 'loud' from /etc/y.yaml: log_level: expected one of FATAL, ERROR, WARNING,"
                + " NOTICE, INFO, DEBUG, TRACE (any case; WARN for WARNING)",
                rejection(CoreSettings.LOG_LEVEL, "loud", ConfigOrigin.file(Path.of("/etc/y.yaml"), "log_level")));
    }

    @Test
    void shouldKeepWhatWasTypedAndWhereInTheException() {
        ConfigException e = assertThrows(ConfigException.class, () -> CoreSettings.PORT.parse("abc", ENV));
        assertEquals("port", e.key());
        assertEquals("abc", e.raw());
        assertEquals(ENV, e.origin());
        assertEquals(ConfigException.EXIT_USAGE, e.exitCode());
        assertEquals(2, ConfigException.EXIT_USAGE);
    }

    @Test
    void shouldBuildParsersFromAFunction() {
        ValueParser<Integer> even = ValueParser.of("an even integer", text -> {
            int value = Integer.parseInt(text);
            if (value % 2 != 0) {
                throw new IllegalArgumentException("odd");
            }
            return value;
        });
        Setting<Integer> setting = Setting.builder("pairs", even).longOption("--pairs").description("d").build();
        assertEquals(4, setting.parse("4", CLI).value());
        assertEquals("invalid pairs: '3' from command line option --pairs: expected an even integer",
                rejection(setting, "3", ConfigOrigin.commandLine("--pairs")));
    }
}
