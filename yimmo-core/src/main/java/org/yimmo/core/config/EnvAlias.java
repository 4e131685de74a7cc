package org.yimmo.core.config;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A second environment variable for a setting whose text is translated into the setting's own
 * text, for the original's {@code YIMMO_WSGI_USE_KQUEUE=1}, which means {@code kqueue} for the
 * reactor setting. The setting's own variables win when both are set. Immutable, thread safe
 * if the translation is.
 *
 * @param variable    the environment variable
 * @param description one line for the help text
 * @param expectation what the variable accepts, as the end of "expected ..."
 * @param translation the setting's text for the variable's text; empty for "not set"; throws
 *                    {@link IllegalArgumentException} for text the variable does not accept
 */
public record EnvAlias(String variable, String description, String expectation,
        Function<String, Optional<String>> translation) {

    static final Pattern VARIABLE = Pattern.compile("[A-Z_][A-Z0-9_]*");

    public EnvAlias {
        Objects.requireNonNull(variable, "variable");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(expectation, "expectation");
        Objects.requireNonNull(translation, "translation");
        if (!VARIABLE.matcher(variable).matches()) {
            throw new IllegalArgumentException("not an environment variable name: " + variable);
        }
    }

    /**
     * A variable where {@code 1} means the setting's {@code value} and {@code 0} (or empty)
     * means "not set"; anything else is an error.
     */
    public static EnvAlias flag(String variable, String value, String description) {
        Objects.requireNonNull(value, "value");
        return new EnvAlias(variable, description, "1 (meaning " + value + "), or 0 or empty for not set", text -> {
            return switch (text.trim()) {
                case "1" -> Optional.of(value);
                case "0", "" -> Optional.empty();
                default -> throw new IllegalArgumentException("neither 1 nor 0: " + text);
            };
        });
    }

    /** The setting's text for the variable's text, or empty when the variable means "not set". */
    public Optional<String> translate(String text) {
        Optional<String> translated = translation.apply(text);
        return Objects.requireNonNull(translated, "translation returned null");
    }
}
