package org.yimmo.core.config;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line: the setting options with their text as typed, the flags given, and the
 * positional arguments in order. Immutable, thread safe. Made by {@link CommandLineParser}.
 */
public final class CommandLine {

    /**
     * One option's value as the user typed it.
     *
     * @param option the option as typed, {@code --port} or {@code -P} (without {@code =value}),
     *               or a positional argument's name when a front end maps one onto a setting
     * @param value  the value text
     */
    public record OptionValue(String option, String value) {
        public OptionValue {
            Objects.requireNonNull(option, "option");
            Objects.requireNonNull(value, "value");
        }
    }

    private static final CommandLine EMPTY = new CommandLine(Map.of(), Set.of(), List.of());

    private final Map<Setting<?>, OptionValue> options;
    private final Set<Flag> flags;
    private final List<String> positional;

    CommandLine(Map<Setting<?>, OptionValue> options, Set<Flag> flags, List<String> positional) {
        // Settings compare by identity; keep an identity map so the rule is explicit.
        Map<Setting<?>, OptionValue> copy = new IdentityHashMap<>(options);
        this.options = Collections.unmodifiableMap(copy);
        this.flags = Collections.unmodifiableSet(new LinkedHashSet<>(flags));
        this.positional = List.copyOf(positional);
    }

    /** No options, no flags, no arguments: for programs configured without a command line. */
    public static CommandLine empty() {
        return EMPTY;
    }

    /** The value given for {@code setting}, the last one if it was given more than once. */
    public Optional<OptionValue> option(Setting<?> setting) {
        return Optional.ofNullable(options.get(setting));
    }

    /** The settings given values, each with its value. */
    public Map<Setting<?>, OptionValue> options() {
        return options;
    }

    /** Whether {@code flag} was given. */
    public boolean has(Flag flag) {
        return flags.contains(flag);
    }

    /** Whether {@code -h} or {@code --help} was given. */
    public boolean helpRequested() {
        return has(Flag.HELP);
    }

    /** Whether {@code --version} was given. */
    public boolean versionRequested() {
        return has(Flag.VERSION);
    }

    /** The arguments that are not options, in order (e.g. {@code MODULE:APP}). */
    public List<String> positional() {
        return positional;
    }

    /**
     * A copy with {@code setting} set as if by an option, for a front end that maps a positional
     * argument onto settings (e.g. {@code MODULE:APP} onto the module and the app): errors then
     * read "from command line argument MODULE:APP".
     *
     * @param option what errors call the source, e.g. {@code MODULE:APP}
     */
    public CommandLine with(Setting<?> setting, String option, String value) {
        Map<Setting<?>, OptionValue> copy = new IdentityHashMap<>(options);
        copy.put(Objects.requireNonNull(setting, "setting"), new OptionValue(option, value));
        return new CommandLine(copy, flags, positional);
    }
}
