package org.yimmo.core.log;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Configures slf4j-simple the way the command-line distribution uses it: the chosen level,
 * one line per event on standard error, an ISO-8601-like timestamp, then the process id, the
 * thread name and the level in brackets (the process id tells the lines of a manager's workers
 * apart, as gunicorn's do). Stateless; the methods are thread safe as far as {@link Properties} is.
 *
 * <p>Caveats: slf4j-simple reads these system properties once, when the first logger is made,
 * so {@link #configure(LogLevel)} must run before anything calls
 * {@code LoggerFactory.getLogger} (including static logger fields of classes being loaded);
 * later calls change nothing. Properties the user already set (for example with
 * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel=debug}) are left as they are, so a JVM option
 * always beats the configuration. Only system properties are touched: slf4j-simple is not a
 * compile dependency of yimmo-core, and with another slf4j binding on the classpath these
 * properties are simply ignored. Nothing here touches Python's {@code logging}.
 */
public final class SimpleLoggerSetup {

    /** The prefix of every slf4j-simple system property. */
    public static final String PREFIX = "org.slf4j.simpleLogger.";

    /** Date and time with milliseconds and the zone offset, e.g. 2024-05-01T12:00:00.123+02:00. */
    public static final String DATE_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    private SimpleLoggerSetup() {
    }

    /**
     * Sets the slf4j-simple properties in {@link System#getProperties()} that the user has not
     * set already.
     *
     * @return the names of the properties this call set, in a stable order
     */
    public static List<String> configure(LogLevel level) {
        return configure(level, System.getProperties());
    }

    /**
     * Sets the slf4j-simple properties in {@code target} that it does not hold already. Tests
     * pass their own {@link Properties}, so the JVM's logging is not disturbed.
     *
     * @return the names of the properties this call set, in a stable order
     */
    public static List<String> configure(LogLevel level, Properties target) {
        List<String> set = new ArrayList<>();
        // Properties is synchronized per call; holding its lock makes check-then-set atomic
        // against another thread doing the same.
        synchronized (target) {
            for (Map.Entry<String, String> entry : properties(level).entrySet()) {
                if (target.getProperty(entry.getKey()) == null) {
                    target.setProperty(entry.getKey(), entry.getValue());
                    set.add(entry.getKey());
                }
            }
        }
        return List.copyOf(set);
    }

    /** The properties {@link #configure} would set for {@code level}, before checking what is set. */
    public static Map<String, String> properties(LogLevel level) {
        return properties(level, ProcessHandle.current().pid());
    }

    /** The properties for {@code level} in the process {@code pid}. */
    static Map<String, String> properties(LogLevel level, long pid) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(PREFIX + "defaultLogLevel", level.slf4jLevel().name().toLowerCase(Locale.ROOT));
        // slf4j-simple prints each event with println and flushes it: line-buffered, like the
        // original's writes to stderr.
        properties.put(PREFIX + "logFile", "System.err");
        properties.put(PREFIX + "showDateTime", "true");
        // slf4j-simple has no process id field; a quoted literal after the date is one.
        properties.put(PREFIX + "dateTimeFormat", DATE_TIME_FORMAT + "' [" + pid + "]'");
        properties.put(PREFIX + "showThreadName", "true");
        properties.put(PREFIX + "levelInBrackets", "true");
        return properties;
    }
}
