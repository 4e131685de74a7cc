package org.yimmo.core.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves settings from their four layers, highest precedence first: command line, environment,
 * YAML file, default (the original yimmo's order). The file's own path is a setting, resolved
 * first from the command line and the environment only. Immutable, thread safe; resolving reads
 * the file and nothing else, and never logs (see {@link Config}).
 *
 * <p>Only the winning layer's text is parsed: a bad environment variable overridden on the
 * command line is not an error, so an option can always fix a broken environment. Empty
 * environment variables count as unset, as {@code VAR= command} in a shell usually means.
 * Caveat: the first invalid value stops resolution; its error is the one reported.
 */
public final class ConfigResolver {

    private final List<Setting<?>> settings;
    private final Setting<Path> configFile;
    private final Set<String> yamlKeys;

    /**
     * A resolver for {@code settings}, whose YAML file is named by {@link CoreSettings#CONFIG}
     * if that is among them; without it no file is read.
     */
    public ConfigResolver(List<? extends Setting<?>> settings) {
        this(settings, settings.contains(CoreSettings.CONFIG) ? CoreSettings.CONFIG : null);
    }

    /**
     * A resolver for {@code settings}, whose YAML file is named by {@code configFile}.
     *
     * @param configFile one of {@code settings}, without a YAML key; null to read no file
     * @throws IllegalArgumentException if two settings share a name, YAML key, environment
     *                                  variable or option, or a YAML key is a prefix of another
     */
    public ConfigResolver(List<? extends Setting<?>> settings, Setting<Path> configFile) {
        this.settings = List.copyOf(settings);
        this.configFile = configFile;
        if (configFile != null && (!this.settings.contains(configFile) || configFile.yamlKey().isPresent())) {
            throw new IllegalArgumentException(configFile + " must be among the settings and have no YAML key");
        }
        Set<String> keys = new LinkedHashSet<>();
        Map<String, Setting<?>> names = new HashMap<>();
        for (Setting<?> setting : this.settings) {
            List<String> claimed = new ArrayList<>();
            claimed.add("name " + setting.name());
            setting.yamlKeys().forEach(key -> claimed.add("YAML key " + key));
            setting.environment().forEach(variable -> claimed.add("environment variable " + variable));
            setting.aliases().forEach(alias -> claimed.add("environment variable " + alias.variable()));
            setting.longOption().ifPresent(option -> claimed.add("option " + option));
            setting.shortOption().ifPresent(option -> claimed.add("option " + option));
            for (String claim : claimed) {
                Setting<?> other = names.putIfAbsent(claim, setting);
                if (other != null) {
                    throw new IllegalArgumentException(setting + " and " + other + " share the " + claim);
                }
            }
            keys.addAll(setting.yamlKeys());
        }
        for (String key : keys) {
            for (String other : keys) {
                if (other.startsWith(key + ".")) {
                    throw new IllegalArgumentException("YAML key " + key + " cannot be both a setting and a mapping holding "
                            + other);
                }
            }
        }
        this.yamlKeys = Set.copyOf(keys);
    }

    /** The settings this resolver resolves, in order. */
    public List<Setting<?>> settings() {
        return settings;
    }

    /**
     * Resolves every setting.
     *
     * @param commandLine the parsed options (its positional arguments are not looked at)
     * @param environment the process environment, e.g. {@code System.getenv()}; passed in so
     *                    that tests and embedders choose it
     * @throws ConfigException for the first invalid value, or a YAML file that cannot be used
     */
    public Config resolve(CommandLine commandLine, Map<String, String> environment) {
        Objects.requireNonNull(commandLine, "commandLine");
        Objects.requireNonNull(environment, "environment");
        for (Setting<?> setting : commandLine.options().keySet()) {
            if (!settings.contains(setting)) {
                throw new IllegalArgumentException("the command line sets " + setting + ", which is not being resolved");
            }
        }
        List<String> warnings = new ArrayList<>();
        Map<Setting<?>, ConfigValue<?>> values = new IdentityHashMap<>();
        YamlSettingsFile yaml = null;
        if (configFile != null) {
            ConfigValue<Path> path = resolve(configFile, commandLine, environment, null, warnings);
            values.put(configFile, path);
            if (path.isSet()) {
                yaml = YamlSettingsFile.read(path.value(), path.origin(), yamlKeys);
                for (String key : yaml.unknownKeys()) {
                    warnings.add("config file " + yaml.file() + ": unknown key " + key + " ignored");
                }
            }
        }
        for (Setting<?> setting : settings) {
            if (setting != configFile) {
                values.put(setting, resolve(setting, commandLine, environment, yaml, warnings));
            }
        }
        return new Config(settings, values, yaml == null ? null : yaml.file(), warnings);
    }

    private static <T> ConfigValue<T> resolve(Setting<T> setting, CommandLine commandLine,
            Map<String, String> environment, YamlSettingsFile yaml, List<String> warnings) {
        Optional<CommandLine.OptionValue> option = commandLine.option(setting);
        if (option.isPresent()) {
            return setting.parse(option.get().value(), ConfigOrigin.commandLine(option.get().option()));
        }
        Optional<ConfigValue<T>> fromEnvironment = fromEnvironment(setting, environment, warnings);
        if (fromEnvironment.isPresent()) {
            return fromEnvironment.get();
        }
        Optional<String> key = yaml == null ? Optional.empty() : yamlKeyGiven(setting, yaml);
        if (key.isPresent()) {
            Object value = yaml.get(key.get());
            ConfigOrigin origin = ConfigOrigin.file(yaml.file(), key.get());
            String text = YamlSettingsFile.render(value);
            if (!YamlSettingsFile.isScalar(value)) {
                // Same message as a bad scalar: the user sees what they wrote and what fits.
                throw ConfigException.invalid(setting.name(), text, origin, setting.expectation());
            }
            return setting.parse(text, origin);
        }
        return setting.defaultValue();
    }

    /** The one YAML key of {@code setting} the file gives, if any; giving two spellings is an error. */
    private static Optional<String> yamlKeyGiven(Setting<?> setting, YamlSettingsFile yaml) {
        String given = null;
        for (String key : setting.yamlKeys()) {
            if (yaml.has(key)) {
                if (given != null) {
                    throw new ConfigException("config file " + yaml.file() + ": " + given + " and " + key
                            + " both set the " + setting.name() + "; keep one");
                }
                given = key;
            }
        }
        return Optional.ofNullable(given);
    }

    private static <T> Optional<ConfigValue<T>> fromEnvironment(Setting<T> setting, Map<String, String> environment,
            List<String> warnings) {
        ConfigValue<T> found = null;
        for (String variable : setting.environment()) {
            String text = environment.get(variable);
            if (text != null && !text.isEmpty()) {
                found = setting.parse(text, ConfigOrigin.environment(variable));
                break;
            }
        }
        for (EnvAlias alias : setting.aliases()) {
            String text = environment.get(alias.variable());
            if (text == null || text.isEmpty()) {
                continue;
            }
            ConfigOrigin origin = ConfigOrigin.environment(alias.variable());
            Optional<String> translated;
            try {
                translated = alias.translate(text);
            } catch (IllegalArgumentException e) {
                if (found != null) {
                    // Only the winning layer is parsed, but a garbled alias is still worth a word.
                    warnings.add(ignored(origin, text, found));
                    continue;
                }
                throw ConfigException.invalid(setting.name(), text, origin, alias.expectation(), e);
            }
            if (translated.isEmpty()) {
                continue;
            }
            if (found != null) {
                // The setting's own variable wins; say so rather than drop the alias silently.
                warnings.add(ignored(origin, text, found));
                continue;
            }
            found = setting.parse(translated.get(), text, origin);
        }
        return Optional.ofNullable(found);
    }

    private static String ignored(ConfigOrigin origin, String text, ConfigValue<?> winner) {
        return origin.describe() + " ('" + text + "') ignored: " + winner.origin().describe() + " ('"
                + winner.raw() + "') takes precedence";
    }
}
