package org.yimmo.core.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.yimmo.core.log.LogLevel;

/**
 * The reusable {@link ValueParser}s. Stateless; every parser is immutable and thread safe.
 *
 * <p>Numbers, booleans, choices and log levels ignore blanks around the text (an environment
 * variable set from a file often keeps a trailing space); strings and paths are taken exactly
 * as given, since blanks there may be meant. No parser accepts empty text.
 */
public final class Parsers {

    private static final ValueParser<Boolean> BOOLEAN = ValueParser.of(
            "a boolean: 1/0, true/false, yes/no or on/off", text -> {
                return switch (text.trim().toLowerCase(Locale.ROOT)) {
                    case "1", "true", "yes", "on" -> Boolean.TRUE;
                    case "0", "false", "no", "off" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("not a boolean: " + text);
                };
            });

    private static final ValueParser<String> STRING = ValueParser.of("a non-empty string", text -> {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        return text;
    });

    private static final ValueParser<Path> PATH = ValueParser.of("a file path", text -> {
        if (text.isEmpty() || text.indexOf('\0') >= 0) {
            // Linux's Path.of accepts neither a NUL nor, usefully, an empty path.
            throw new IllegalArgumentException("empty or NUL in path");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    });

    private static final ValueParser<LogLevel> LOG_LEVEL = ValueParser.of(LogLevel.expectation(), LogLevel::parse);

    private Parsers() {
    }

    /** A decimal integer from {@code min} to {@code max} inclusive, with an optional sign. */
    public static ValueParser<Integer> integer(int min, int max) {
        if (min > max) {
            throw new IllegalArgumentException("empty range " + min + ".." + max);
        }
        return ValueParser.of("an integer from " + min + " to " + max, text -> {
            int value = Integer.parseInt(text.trim()); // NumberFormatException is an IllegalArgumentException
            if (value < min || value > max) {
                throw new IllegalArgumentException(value + " is out of range");
            }
            return value;
        });
    }

    /**
     * A decimal number of seconds greater than zero, such as {@code 5} or {@code 2.5}, as a
     * {@link Duration}. Fractions below a nanosecond round up, so a positive number never
     * becomes a zero duration.
     */
    public static ValueParser<Duration> positiveSeconds() {
        return seconds("a number of seconds greater than 0, such as 5 or 2.5", 1);
    }

    /** As {@link #positiveSeconds()}, and 0 too: for limits where 0 means "none". */
    public static ValueParser<Duration> secondsOrZero() {
        return seconds("a number of seconds, such as 30 or 2.5, or 0 for none", 0);
    }

    private static ValueParser<Duration> seconds(String expectation, int lowestSign) {
        return ValueParser.of(expectation, text -> {
            BigDecimal seconds = new BigDecimal(text.trim()); // rejects NaN, Infinity, hex
            if (seconds.signum() < lowestSign) {
                throw new IllegalArgumentException("out of range");
            }
            // Check the magnitude before any rescaling: "1e999999999" is valid BigDecimal text
            // whose expansion alone would exhaust memory.
            int integerDigits = seconds.precision() - seconds.scale();
            if (integerDigits > 18) {
                throw new IllegalArgumentException("too large for a duration");
            }
            if (integerDigits < -9) {
                return Duration.ofNanos(1);
            }
            BigDecimal whole = seconds.setScale(0, RoundingMode.DOWN);
            long nanos = seconds.subtract(whole).movePointRight(9).setScale(0, RoundingMode.UP).longValueExact();
            return Duration.ofSeconds(whole.longValueExact(), nanos);
        });
    }

    /** {@code 1/0}, {@code true/false}, {@code yes/no}, {@code on/off}, in any case. */
    public static ValueParser<Boolean> bool() {
        return BOOLEAN;
    }

    /**
     * One of {@code names}, in any case; the value is the name as spelled in {@code names}.
     */
    public static ValueParser<String> choice(List<String> names) {
        List<String> copy = List.copyOf(names);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("no names to choose from");
        }
        return ValueParser.of("one of " + String.join(", ", copy), text -> {
            String wanted = text.trim();
            for (String name : copy) {
                if (name.equalsIgnoreCase(wanted)) {
                    return name;
                }
            }
            throw new IllegalArgumentException("not one of " + copy + ": " + text);
        });
    }

    /** As {@link #choice(List)}. */
    public static ValueParser<String> choice(String... names) {
        return choice(List.of(names));
    }

    /** Any non-empty text, as given. */
    public static ValueParser<String> string() {
        return STRING;
    }

    /**
     * A syntactically valid file path, as given (relative paths stay relative). Whether the file
     * exists is for the user of the setting to check, when and as it needs.
     */
    public static ValueParser<Path> path() {
        return PATH;
    }

    /** A {@link LogLevel} name, as {@link LogLevel#parse(String)} accepts. */
    public static ValueParser<LogLevel> logLevel() {
        return LOG_LEVEL;
    }
}
