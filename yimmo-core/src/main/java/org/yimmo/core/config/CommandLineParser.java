package org.yimmo.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses command-line arguments against settings and flags, GNU style: {@code --long value},
 * {@code --long=value}, {@code -s value}, {@code -svalue}, flags {@code --flag} and
 * {@code -f}, {@code --} ends the options, a lone {@code -} is an argument, and arguments may
 * come between options. An option given twice keeps its last value. {@code -h}/{@code --help}
 * and {@code --version} are always recognised. Immutable, thread safe: {@link #withFlag}
 * returns a new parser.
 *
 * <p>Caveats: flags cannot be bundled ({@code -hv}), and long options cannot be abbreviated.
 * An option's value is the next argument whatever it looks like ({@code --port -1} gives port
 * the text {@code -1}), except that one of this parser's options, or {@code --}, there is taken
 * for a forgotten value.
 */
public final class CommandLineParser {

    private final List<Setting<?>> settings;
    private final List<Flag> flags;
    private final Map<String, Setting<?>> settingsByOption;
    private final Map<String, Flag> flagsByOption;

    /**
     * A parser for the options of {@code settings} (those without options are skipped) plus
     * {@link Flag#HELP} and {@link Flag#VERSION}.
     *
     * @throws IllegalArgumentException if two settings or flags share an option
     */
    public CommandLineParser(List<? extends Setting<?>> settings) {
        this(List.copyOf(settings), List.of(Flag.HELP, Flag.VERSION));
    }

    private CommandLineParser(List<Setting<?>> settings, List<Flag> flags) {
        this.settings = settings;
        this.flags = List.copyOf(flags);
        Map<String, Setting<?>> bySettingOption = new HashMap<>();
        Map<String, Flag> byFlagOption = new HashMap<>();
        Set<String> taken = new LinkedHashSet<>();
        for (Setting<?> setting : settings) {
            setting.longOption().ifPresent(option -> claim(taken, option, setting));
            setting.shortOption().ifPresent(option -> claim(taken, option, setting));
            setting.longOption().ifPresent(option -> bySettingOption.put(option, setting));
            setting.shortOption().ifPresent(option -> bySettingOption.put(option, setting));
        }
        for (Flag flag : this.flags) {
            claim(taken, flag.longOption(), flag);
            byFlagOption.put(flag.longOption(), flag);
            if (flag.shortOption() != null) {
                claim(taken, flag.shortOption(), flag);
                byFlagOption.put(flag.shortOption(), flag);
            }
        }
        this.settingsByOption = Map.copyOf(bySettingOption);
        this.flagsByOption = Map.copyOf(byFlagOption);
    }

    private static void claim(Set<String> taken, String option, Object owner) {
        if (!taken.add(option)) {
            throw new IllegalArgumentException("option " + option + " of " + owner + " is already taken");
        }
    }

    /** A parser that also recognises {@code flag}. */
    public CommandLineParser withFlag(Flag flag) {
        List<Flag> more = new ArrayList<>(flags);
        more.add(flag);
        return new CommandLineParser(settings, more);
    }

    /** The settings with options, in the order given. */
    public List<Setting<?>> settings() {
        return settings;
    }

    /** The recognised flags, {@link Flag#HELP} and {@link Flag#VERSION} first. */
    public List<Flag> flags() {
        return flags;
    }

    /**
     * Parses {@code args}.
     *
     * @throws ConfigException for an unknown option, an option without its value, or a flag
     *                         given a value, naming the option as typed
     */
    public CommandLine parse(List<String> args) {
        Map<Setting<?>, CommandLine.OptionValue> options = new IdentityHashMap<>();
        Set<Flag> given = new LinkedHashSet<>();
        List<String> positional = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
                positional.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String option;
            String attached; // a value in the same argument, or null
            if (arg.startsWith("--")) {
                int equals = arg.indexOf('=');
                option = equals < 0 ? arg : arg.substring(0, equals);
                attached = equals < 0 ? null : arg.substring(equals + 1);
            } else {
                option = arg.substring(0, 2);
                attached = arg.length() > 2 ? arg.substring(2) : null;
            }
            Flag flag = flagsByOption.get(option);
            if (flag != null) {
                if (attached != null) {
                    throw new ConfigException("option " + option + " takes no value (got '" + arg + "')");
                }
                given.add(flag);
                continue;
            }
            Setting<?> setting = settingsByOption.get(option);
            if (setting == null) {
                String in = option.equals(arg) ? "" : " (in '" + arg + "')";
                throw new ConfigException("unknown option " + option + in + "; see --help");
            }
            String value = attached;
            if (value == null) {
                if (i + 1 >= args.size() || isOption(args.get(i + 1))) {
                    throw new ConfigException("option " + option + " needs a value: expected "
                            + setting.expectation());
                }
                value = args.get(++i);
            }
            options.put(setting, new CommandLine.OptionValue(option, value));
        }
        return new CommandLine(options, given, positional);
    }

    /** As {@link #parse(List)}. */
    public CommandLine parse(String... args) {
        return parse(List.of(args));
    }

    /** Whether {@code arg} is one of this parser's options, in any of its forms. */
    private boolean isOption(String arg) {
        if (arg.equals("--")) {
            return true;
        }
        if (arg.startsWith("--")) {
            int equals = arg.indexOf('=');
            String option = equals < 0 ? arg : arg.substring(0, equals);
            return settingsByOption.containsKey(option) || flagsByOption.containsKey(option);
        }
        // A short option only in its bare form: "-1" or "-Pfoo" may well be meant as values.
        return arg.length() == 2 && (settingsByOption.containsKey(arg) || flagsByOption.containsKey(arg));
    }
}
