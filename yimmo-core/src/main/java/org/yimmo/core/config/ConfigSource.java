package org.yimmo.core.config;

/**
 * Where a configuration value came from, in increasing order of precedence: a value from a later
 * source replaces one from an earlier source. Immutable, thread safe.
 */
public enum ConfigSource {
    /** The setting's built-in default. */
    DEFAULT,
    /** The YAML configuration file. */
    FILE,
    /** An environment variable. */
    ENVIRONMENT,
    /** A command-line option. */
    COMMAND_LINE
}
