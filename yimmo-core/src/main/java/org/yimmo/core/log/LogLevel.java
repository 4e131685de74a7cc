package org.yimmo.core.log;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.slf4j.event.Level;

/**
 * The original yimmo's log levels, most severe first. Immutable, thread safe.
 *
 * <p>Caveat: slf4j has five levels where yimmo has seven, so the mapping onto slf4j is an
 * approximation: {@link #FATAL} logs as slf4j {@code ERROR} (slf4j has no level above it; a fatal
 * event is followed by the process ending, which says the rest) and {@link #NOTICE} logs as
 * {@code INFO} (slf4j has nothing between WARN and INFO). Choosing {@code NOTICE} or {@code FATAL}
 * as the threshold therefore behaves like {@code INFO} or {@code ERROR}.
 */
public enum LogLevel {
    /** Unrecoverable; the process is likely to abort. */
    FATAL(Level.ERROR),
    /** Limits or prevents normal operation for at least one connection. */
    ERROR(Level.ERROR),
    /** An error may follow if nothing is done. */
    WARNING(Level.WARN),
    /** Anomalous or noteworthy. */
    NOTICE(Level.INFO),
    /** General, non-error, non-developer information. */
    INFO(Level.INFO),
    /** General, non-error, developer information. */
    DEBUG(Level.DEBUG),
    /** Fine-grained tracing of internals. */
    TRACE(Level.TRACE);

    private static final List<String> NAMES =
            Arrays.stream(values()).map(Enum::name).collect(Collectors.toUnmodifiableList());

    private final Level slf4jLevel;

    LogLevel(Level slf4jLevel) {
        this.slf4jLevel = slf4jLevel;
    }

    /** The slf4j level this level logs at and filters by (see the class comment). */
    public Level slf4jLevel() {
        return slf4jLevel;
    }

    /** The level names in order, most severe first, as the original spells them. */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * Parses a level name, ignoring case and surrounding blanks. {@code WARN} is accepted for
     * {@link #WARNING} because it is what slf4j and most other loggers call that level.
     *
     * @throws IllegalArgumentException naming the text and listing the valid names
     */
    public static LogLevel parse(String text) {
        if (text != null) {
            String name = text.trim().toUpperCase(Locale.ROOT);
            if (name.equals("WARN")) {
                return WARNING;
            }
            for (LogLevel level : values()) {
                if (level.name().equals(name)) {
                    return level;
                }
            }
        }
        throw new IllegalArgumentException("unknown log level '" + text + "': expected " + expectation());
    }

    /** "one of FATAL, ERROR, WARNING, NOTICE, INFO, DEBUG, TRACE (any case; WARN for WARNING)". */
    public static String expectation() {
        return "one of " + String.join(", ", NAMES) + " (any case; WARN for WARNING)";
    }
}
