package org.yimmo.core.config;

/**
 * A configuration the program cannot run with: an invalid or missing value, an unknown
 * command-line option, an unreadable configuration file. The message is meant for the user as
 * is: it names the setting, the value as given, where it came from and what was expected, e.g.
 * {@code invalid port: 'abc' from environment variable YIMMO_WSGI_PORT: expected an integer
 * from 0 to 65535}. Unchecked; immutable once thrown.
 *
 * <p>A command-line front end prints the message and exits with {@link #exitCode()}, which is
 * {@link #EXIT_USAGE} (2, the status getopt-based tools and shells use for a usage error) for
 * every configuration error.
 */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The exit status for a usage or configuration error. */
    public static final int EXIT_USAGE = 2;

    private final String key;
    private final String raw;
    private final ConfigOrigin origin;

    /** An error not tied to one value, such as an unknown option or an unreadable file. */
    public ConfigException(String message) {
        this(message, null, null, null, null);
    }

    /** An error not tied to one value, with the underlying cause. */
    public ConfigException(String message, Throwable cause) {
        this(message, null, null, null, cause);
    }

    private ConfigException(String message, String key, String raw, ConfigOrigin origin, Throwable cause) {
        super(message, cause);
        this.key = key;
        this.raw = raw;
        this.origin = origin;
    }

    /**
     * A value that does not parse: {@code invalid <key>: '<raw>' from <origin>: expected
     * <expectation>}.
     *
     * @param key         the setting's name (e.g. {@code port})
     * @param raw         the value exactly as given
     * @param origin      where it was given
     * @param expectation what would have been accepted (e.g. {@code an integer from 0 to 65535})
     */
    public static ConfigException invalid(String key, String raw, ConfigOrigin origin, String expectation) {
        return invalid(key, raw, origin, expectation, null);
    }

    /** As {@link #invalid(String, String, ConfigOrigin, String)}, keeping the parser's exception. */
    public static ConfigException invalid(String key, String raw, ConfigOrigin origin, String expectation,
            Throwable cause) {
        String message = "invalid " + key + ": '" + raw + "' from " + origin.describe() + ": expected " + expectation;
        return new ConfigException(message, key, raw, origin, cause);
    }

    /** The setting's name for a value error; null for other errors. */
    public String key() {
        return key;
    }

    /** The value as given for a value error; null for other errors. */
    public String raw() {
        return raw;
    }

    /** Where the bad value came from for a value error; null for other errors. */
    public ConfigOrigin origin() {
        return origin;
    }

    /** The process exit status a command-line front end should use: {@link #EXIT_USAGE}. */
    public int exitCode() {
        return EXIT_USAGE;
    }
}
