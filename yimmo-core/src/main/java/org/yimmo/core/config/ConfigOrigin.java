package org.yimmo.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Exactly where one configuration value came from, precise enough for an error message to send
 * the user to it. Immutable, thread safe.
 *
 * @param source the layer
 * @param name   the YAML key (dotted, e.g. {@code wsgi.port}), the environment variable, or the
 *               command-line option as typed (e.g. {@code --port} or {@code -P}) or the name of
 *               a positional argument (e.g. {@code MODULE:APP}); empty for
 *               {@link ConfigSource#DEFAULT}
 * @param file   the YAML file, only for {@link ConfigSource#FILE}; otherwise null
 */
public record ConfigOrigin(ConfigSource source, String name, Path file) {

    private static final ConfigOrigin DEFAULT = new ConfigOrigin(ConfigSource.DEFAULT, "", null);

    public ConfigOrigin {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(name, "name");
        if ((source == ConfigSource.FILE) != (file != null)) {
            throw new IllegalArgumentException("a file is given exactly for the FILE source: " + source + ", " + file);
        }
    }

    public static ConfigOrigin defaultValue() {
        return DEFAULT;
    }

    public static ConfigOrigin file(Path file, String yamlKey) {
        return new ConfigOrigin(ConfigSource.FILE, yamlKey, Objects.requireNonNull(file, "file"));
    }

    public static ConfigOrigin environment(String variable) {
        return new ConfigOrigin(ConfigSource.ENVIRONMENT, variable, null);
    }

    public static ConfigOrigin commandLine(String optionAsTyped) {
        return new ConfigOrigin(ConfigSource.COMMAND_LINE, optionAsTyped, null);
    }

    /**
     * For messages: {@code default}, {@code /etc/y.yaml: wsgi.port},
     * {@code environment variable YIMMO_WSGI_PORT}, {@code command line option --port},
     * {@code command line argument MODULE:APP}.
     */
    public String describe() {
        return switch (source) {
            case DEFAULT -> "default";
            case FILE -> file + ": " + name;
            case ENVIRONMENT -> "environment variable " + name;
            case COMMAND_LINE -> (name.startsWith("-") ? "command line option " : "command line argument ") + name;
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}
