package org.yimmo.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The definition of one setting: its name in each source (YAML key, environment variables,
 * command-line options), how its text is parsed, its default and its help. Immutable and thread
 * safe once built; compared by identity, so declare each setting once, as a constant (see
 * {@link CoreSettings}; other modules declare theirs the same way and resolve them together).
 *
 * <p>Caveat: a default is given as text and parsed when the setting is built, so a default
 * the parser rejects fails at class initialisation rather than at a user's first run.
 *
 * @param <T> the value type
 */
public final class Setting<T> {

    /** What an unset setting without a default means; only matters for the missing-value error. */
    public enum Absence {
        /** The program cannot run without it: {@link Config#get} reports it missing. */
        REQUIRED,
        /** Unset means the feature is off (e.g. TLS without a certificate). */
        OFF
    }

    private static final Pattern YAML_KEY = Pattern.compile("[a-z0-9_]+(\\.[a-z0-9_]+)*");
    private static final Pattern LONG_OPTION = Pattern.compile("--[a-z0-9][a-z0-9-]*");

    private final String name;
    private final ValueParser<T> parser;
    private final String yamlKey;
    private final List<String> yamlAliases;
    private final List<String> environment;
    private final List<EnvAlias> aliases;
    private final String longOption;
    private final String shortOption;
    private final ConfigValue<T> defaultValue;
    private final Absence absence;
    private final String description;
    private final String environmentDescription;
    private final String expectation;
    private final String metavar;
    private final String example;

    private Setting(Builder<T> b) {
        this.name = b.name;
        this.parser = b.parser;
        this.yamlKey = b.yamlKey;
        this.yamlAliases = List.copyOf(b.yamlAliases);
        this.environment = List.copyOf(b.environment);
        this.aliases = List.copyOf(b.aliases);
        this.longOption = b.longOption;
        this.shortOption = b.shortOption;
        this.absence = b.absence;
        this.description = Objects.requireNonNull(b.description, () -> "setting '" + b.name + "' needs a description");
        this.environmentDescription = b.environmentDescription != null ? b.environmentDescription : b.description;
        this.expectation = b.expectation != null ? b.expectation : b.parser.expectation();
        this.metavar = b.metavar != null ? b.metavar : b.name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_");
        if (yamlKey == null && environment.isEmpty() && aliases.isEmpty() && longOption == null) {
            throw new IllegalArgumentException("setting '" + name + "' has no source: give a YAML key, "
                    + "an environment variable or an option");
        }
        if (yamlKey == null && !yamlAliases.isEmpty()) {
            throw new IllegalArgumentException("setting '" + name + "' has a YAML alias but no YAML key");
        }
        if (shortOption != null && longOption == null) {
            throw new IllegalArgumentException("setting '" + name + "' has a short option but no long one");
        }
        if (b.defaultText != null) {
            T parsed;
            try {
                parsed = parser.parse(b.defaultText);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("setting '" + name + "': default '" + b.defaultText
                        + "' is not " + expectation, e);
            }
            this.defaultValue = new ConfigValue<>(parsed, ConfigOrigin.defaultValue(), b.defaultText);
        } else {
            this.defaultValue = ConfigValue.unset();
        }
        this.example = b.example != null ? b.example : b.defaultText;
    }

    /**
     * Starts a setting.
     *
     * @param name   what errors call it, e.g. {@code port} in "invalid port: ..."
     * @param parser parses its text from every source
     */
    public static <T> Builder<T> builder(String name, ValueParser<T> parser) {
        return new Builder<>(name, parser);
    }

    /** What errors call it, e.g. {@code port}. */
    public String name() {
        return name;
    }

    public ValueParser<T> parser() {
        return parser;
    }

    /** The dotted YAML key, e.g. {@code wsgi.port}; empty if the file cannot set it. */
    public Optional<String> yamlKey() {
        return Optional.ofNullable(yamlKey);
    }

    /**
     * Every YAML key that sets it: {@link #yamlKey()} first, then its aliases (another spelling a
     * file may use, such as the original's top-level {@code tls.cert}); empty if none.
     */
    public List<String> yamlKeys() {
        if (yamlKey == null) {
            return List.of();
        }
        List<String> keys = new ArrayList<>(1 + yamlAliases.size());
        keys.add(yamlKey);
        keys.addAll(yamlAliases);
        return List.copyOf(keys);
    }

    /** Its own environment variables, in the order they are consulted. */
    public List<String> environment() {
        return environment;
    }

    /** Environment variables translated into it, consulted after {@link #environment()}. */
    public List<EnvAlias> aliases() {
        return aliases;
    }

    /** E.g. {@code --port}; empty if the command line cannot set it. */
    public Optional<String> longOption() {
        return Optional.ofNullable(longOption);
    }

    /** E.g. {@code -P}; empty if there is none. */
    public Optional<String> shortOption() {
        return Optional.ofNullable(shortOption);
    }

    /** The default, or an unset value ({@link ConfigValue#isSet()} false) if there is none. */
    public ConfigValue<T> defaultValue() {
        return defaultValue;
    }

    /** What an unset value means; only relevant without a default. */
    public Absence absence() {
        return absence;
    }

    /** One line for the options part of the help. */
    public String description() {
        return description;
    }

    /** One line for the environment part of the help. */
    public String environmentDescription() {
        return environmentDescription;
    }

    /** What errors say is expected, e.g. {@code an integer from 0 to 65535}. */
    public String expectation() {
        return expectation;
    }

    /** The placeholder for the value in the help, e.g. {@code PORT}. */
    public String metavar() {
        return metavar;
    }

    /** The value shown in the help's YAML example; empty to leave the key out. */
    public Optional<String> example() {
        return Optional.ofNullable(example);
    }

    /** For a missing-value error: "--port, YIMMO_WSGI_PORT or wsgi.port in the config file". */
    public String whereToSet() {
        List<String> ways = new ArrayList<>();
        longOption().ifPresent(ways::add);
        ways.addAll(environment);
        aliases.forEach(alias -> ways.add(alias.variable()));
        yamlKey().ifPresent(key -> ways.add(key + " in the config file"));
        if (ways.size() == 1) {
            return ways.get(0);
        }
        return String.join(", ", ways.subList(0, ways.size() - 1)) + " or " + ways.get(ways.size() - 1);
    }

    /**
     * Parses {@code raw} from {@code origin}.
     *
     * @throws ConfigException naming this setting, the text, the origin and the expectation
     */
    public ConfigValue<T> parse(String raw, ConfigOrigin origin) {
        return parse(raw, raw, origin);
    }

    /** Parses {@code text}, remembering {@code raw} (differs for an alias) as what the user gave. */
    ConfigValue<T> parse(String text, String raw, ConfigOrigin origin) {
        T value;
        try {
            value = parser.parse(text);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(name, raw, origin, expectation, e);
        }
        return new ConfigValue<>(Objects.requireNonNull(value, "parser returned null"), origin, raw);
    }

    @Override
    public String toString() {
        return "Setting[" + name + "]";
    }

    /** Builds a {@link Setting}. Not thread safe; use it on one thread, then discard it. */
    public static final class Builder<T> {
        private final String name;
        private final ValueParser<T> parser;
        private String yamlKey;
        private final List<String> yamlAliases = new ArrayList<>();
        private final List<String> environment = new ArrayList<>();
        private final List<EnvAlias> aliases = new ArrayList<>();
        private String longOption;
        private String shortOption;
        private String defaultText;
        private Absence absence = Absence.OFF;
        private String description;
        private String environmentDescription;
        private String expectation;
        private String metavar;
        private String example;

        private Builder(String name, ValueParser<T> parser) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a setting needs a name");
            }
            this.name = name;
            this.parser = Objects.requireNonNull(parser, "parser");
        }

        /** The dotted YAML key: {@code log_level}, {@code wsgi.port}. */
        public Builder<T> yaml(String key) {
            if (!YAML_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("not a dotted lower_snake YAML key: " + key);
            }
            this.yamlKey = key;
            return this;
        }

        /** Another dotted YAML key for the same setting; a file giving both is an error. */
        public Builder<T> yamlAlias(String key) {
            if (!YAML_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("not a dotted lower_snake YAML key: " + key);
            }
            this.yamlAliases.add(key);
            return this;
        }

        /** Environment variables, consulted in the order given; the first that is set wins. */
        public Builder<T> env(String... variables) {
            for (String variable : variables) {
                if (!EnvAlias.VARIABLE.matcher(variable).matches()) {
                    throw new IllegalArgumentException("not an environment variable name: " + variable);
                }
                environment.add(variable);
            }
            return this;
        }

        /** A translated environment variable, consulted after those of {@link #env}. */
        public Builder<T> envAlias(EnvAlias alias) {
            aliases.add(Objects.requireNonNull(alias, "alias"));
            return this;
        }

        /** The long option, e.g. {@code --port}. */
        public Builder<T> longOption(String option) {
            if (!LONG_OPTION.matcher(option).matches()) {
                throw new IllegalArgumentException("not a --kebab-case option: " + option);
            }
            this.longOption = option;
            return this;
        }

        /** The short option letter or digit, e.g. {@code 'P'} for {@code -P}. */
        public Builder<T> shortOption(char letter) {
            if (!Character.isLetterOrDigit(letter) || letter > 127) {
                throw new IllegalArgumentException("a short option is an ASCII letter or digit: " + letter);
            }
            this.shortOption = "-" + letter;
            return this;
        }

        /** The default, as text the parser accepts; parsed by {@link #build()}. */
        public Builder<T> defaultValue(String text) {
            this.defaultText = Objects.requireNonNull(text, "text");
            return this;
        }

        /** No default, and the program cannot run without a value. */
        public Builder<T> required() {
            this.defaultText = null;
            this.absence = Absence.REQUIRED;
            return this;
        }

        /** No default, and unset means off (the default for a setting without a default). */
        public Builder<T> off() {
            this.defaultText = null;
            this.absence = Absence.OFF;
            return this;
        }

        /** One line for the help; also used for the environment list unless {@link #envDescription} says otherwise. */
        public Builder<T> description(String text) {
            this.description = text;
            return this;
        }

        /** One line for the help's environment list. */
        public Builder<T> envDescription(String text) {
            this.environmentDescription = text;
            return this;
        }

        /** Replaces the parser's expectation text in errors. */
        public Builder<T> expect(String text) {
            this.expectation = text;
            return this;
        }

        /** The value placeholder in the help; by default the name in upper snake case. */
        public Builder<T> metavar(String text) {
            this.metavar = text;
            return this;
        }

        /** The value shown in the help's YAML example; by default the default. */
        public Builder<T> example(String text) {
            this.example = text;
            return this;
        }

        public Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
