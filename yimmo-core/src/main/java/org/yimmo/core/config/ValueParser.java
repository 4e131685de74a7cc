package org.yimmo.core.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * Turns the text of one setting into its typed value, and says in words what text it accepts.
 * Every source feeds text to the same parser (YAML scalars are first turned back into text), so
 * a bad value reads the same whichever layer it came from. Implementations must be immutable
 * and thread safe; the ones in {@link Parsers} are.
 *
 * @param <T> the value type; parsers should produce immutable values
 */
public interface ValueParser<T> {

    /**
     * Parses {@code text}.
     *
     * @return the value, never null
     * @throws IllegalArgumentException if the text is not acceptable; the caller turns it into a
     *                                  {@link ConfigException} built from {@link #expectation()},
     *                                  so the exception's own message is only kept as the cause
     */
    T parse(String text);

    /**
     * What is accepted, as the end of "expected ...": {@code an integer from 0 to 65535}.
     */
    String expectation();

    /** A parser from a function and its expectation text. */
    static <T> ValueParser<T> of(String expectation, Function<String, T> parse) {
        Objects.requireNonNull(expectation, "expectation");
        Objects.requireNonNull(parse, "parse");
        return new ValueParser<>() {
            @Override
            public T parse(String text) {
                T value = parse.apply(text);
                if (value == null) {
                    throw new IllegalArgumentException("no value for '" + text + "'");
                }
                return value;
            }

            @Override
            public String expectation() {
                return expectation;
            }

            @Override
            public String toString() {
                return "ValueParser[" + expectation + "]";
            }
        };
    }
}
