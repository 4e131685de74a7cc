package org.yimmo.core.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolved configuration: one typed value per setting, each with its origin. Immutable, thread
 * safe; made once at startup by {@link ConfigResolver} and then only read.
 *
 * <p>Caveat: the resolver never logs, because the log level is itself one of the settings and
 * slf4j-simple fixes its configuration when the first logger is made. Warnings (such as unknown
 * YAML keys) are kept in {@link #warnings()}; a front end configures logging from this config
 * first, then calls {@link #logWarnings()}.
 */
public final class Config {

    private final List<Setting<?>> settings;
    private final Map<Setting<?>, ConfigValue<?>> values;
    private final Path file;
    private final List<String> warnings;

    Config(List<Setting<?>> settings, Map<Setting<?>, ConfigValue<?>> values, Path file, List<String> warnings) {
        this.settings = List.copyOf(settings);
        this.values = Collections.unmodifiableMap(new IdentityHashMap<>(values));
        this.file = file;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * The value of {@code setting}.
     *
     * @throws ConfigException if no source set it and it has no default: "missing port: expected
     *                         ...; set --port, YIMMO_WSGI_PORT or wsgi.port in the config file".
     *                         Use {@link #find} for settings that may be off.
     * @throws IllegalArgumentException if {@code setting} was not among those resolved
     */
    public <T> T get(Setting<T> setting) {
        ConfigValue<T> value = value(setting);
        if (!value.isSet()) {
            throw new ConfigException("missing " + setting.name() + ": expected " + setting.expectation()
                    + "; set " + setting.whereToSet());
        }
        return value.value();
    }

    /** The value of {@code setting}, or empty if it is unset and has no default. */
    public <T> Optional<T> find(Setting<T> setting) {
        return Optional.ofNullable(value(setting).value());
    }

    /**
     * The value of {@code setting} with its origin and text; for a setting that is unset and has
     * no default, a value whose {@link ConfigValue#isSet()} is false.
     *
     * @throws IllegalArgumentException if {@code setting} was not among those resolved
     */
    @SuppressWarnings("unchecked") // the resolver stores each setting's own ConfigValue<T>
    public <T> ConfigValue<T> value(Setting<T> setting) {
        ConfigValue<?> value = values.get(setting);
        if (value == null) {
            throw new IllegalArgumentException(setting + " was not among the settings resolved");
        }
        return (ConfigValue<T>) value;
    }

    /** The settings resolved, in the order given to the resolver. */
    public List<Setting<?>> settings() {
        return settings;
    }

    /** The YAML file that was read, if any. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** Problems worth telling the user that did not stop resolution, e.g. unknown YAML keys. */
    public List<String> warnings() {
        return warnings;
    }

    /** Logs each of {@link #warnings()} at WARN; call it after logging has been configured. */
    public void logWarnings() {
        if (warnings.isEmpty()) {
            return;
        }
        // Looked up here, not in a static field, so loading this class does not start slf4j.
        Logger log = LoggerFactory.getLogger(Config.class);
        warnings.forEach(log::warn);
    }

    /** One line per setting, "port = 8081 (environment variable YIMMO_WSGI_PORT)", for a startup log. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Setting<?> setting : settings) {
            ConfigValue<?> value = values.get(setting);
            String text = value.isSet() ? value.raw() : "(not set)";
            lines.add(setting.name() + " = " + text + " (" + value.origin().describe() + ")");
        }
        return lines;
    }
}
