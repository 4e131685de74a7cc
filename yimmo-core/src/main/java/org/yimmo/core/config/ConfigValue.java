package org.yimmo.core.config;

import java.util.Objects;

/**
 * A resolved setting: its typed value, where it came from and the text it was parsed from.
 * Immutable, and thread safe if the value is (every parser in {@link Parsers} yields immutable
 * values).
 *
 * <p>Caveat: a setting with no default that no source gives (an "off" or not-yet-supplied
 * "required" setting) resolves to a value of origin {@link ConfigSource#DEFAULT} whose
 * {@link #value()} and {@link #raw()} are null; {@link #isSet()} tells it apart.
 *
 * @param value  the parsed value; null only when the setting is not set at all
 * @param origin where the value came from
 * @param raw    the text as the user gave it (for an environment alias, the alias's own text,
 *               such as {@code 1} for {@code YIMMO_WSGI_USE_KQUEUE}); null only when not set
 */
public record ConfigValue<T>(T value, ConfigOrigin origin, String raw) {

    public ConfigValue {
        Objects.requireNonNull(origin, "origin");
        if ((value == null) != (raw == null)) {
            throw new IllegalArgumentException("value and raw text are both present or both absent");
        }
        if (value == null && origin.source() != ConfigSource.DEFAULT) {
            throw new IllegalArgumentException("only an unset default may lack a value: " + origin);
        }
    }

    static <T> ConfigValue<T> unset() {
        return new ConfigValue<>(null, ConfigOrigin.defaultValue(), null);
    }

    /** Whether some source (the default included) gave this setting a value. */
    public boolean isSet() {
        return value != null;
    }

    /** The layer the value came from. */
    public ConfigSource source() {
        return origin.source();
    }
}
