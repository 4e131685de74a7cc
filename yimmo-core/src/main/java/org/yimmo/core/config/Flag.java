package org.yimmo.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A command-line option that takes no value, such as {@code --help}. Immutable, thread safe;
 * compared by value.
 *
 * @param longOption  e.g. {@code --help}
 * @param shortOption e.g. {@code -h}, or null for none
 * @param description one line for the help
 */
public record Flag(String longOption, String shortOption, String description) {

    /** {@code -h}, {@code --help}. */
    public static final Flag HELP = new Flag("--help", "-h", "Display usage info (this)");

    /** {@code --version}. */
    public static final Flag VERSION = new Flag("--version", null, "Print the version and exit");

    public Flag {
        Objects.requireNonNull(longOption, "longOption");
        Objects.requireNonNull(description, "description");
        if (!longOption.matches("--[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("not a --kebab-case option: " + longOption);
        }
        if (shortOption != null && !shortOption.matches("-[A-Za-z0-9]")) {
            throw new IllegalArgumentException("not a short option like -x: " + shortOption);
        }
    }

    /** A flag with a long option only. */
    public static Flag of(String longOption, String description) {
        return new Flag(longOption, null, description);
    }

    /** A flag with a short and a long option; {@code shortLetter} 'v' stands for {@code -v}. */
    public static Flag of(char shortLetter, String longOption, String description) {
        return new Flag(longOption, "-" + shortLetter, description);
    }

    public Optional<String> shortOptionIfAny() {
        return Optional.ofNullable(shortOption);
    }
}
