package org.yimmo.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders settings and flags as usage text shaped like the original yimmo-wsgi's: options,
 * environment variables, the precedence of the layers and a YAML example. Stateless, thread
 * safe.
 */
public final class HelpText {

    /** YAML plain scalars that read back as the same text; anything else is quoted. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./+-][A-Za-z0-9_./+:-]*");

    private HelpText() {
    }

    /**
     * The help, one line per element.
     *
     * @param usage    the first line, e.g. {@code Usage: yimmo-wsgi [OPTIONS] WSGI_MODULE:WSGI_APP}
     * @param settings the settings, in the order to list them
     * @param flags    the flags, listed after the settings' options
     */
    public static List<String> render(String usage, List<? extends Setting<?>> settings, List<Flag> flags) {
        List<String> lines = new ArrayList<>();
        lines.add(usage);

        lines.add("Options:");
        List<String[]> rows = new ArrayList<>();
        for (Setting<?> setting : settings) {
            if (setting.longOption().isEmpty()) {
                continue;
            }
            String names = setting.longOption().get() + setting.shortOption().map(s -> ", " + s).orElse("")
                    + " " + setting.metavar();
            String defaultText = setting.defaultValue().isSet() ? " (default " + setting.defaultValue().raw() + ")" : "";
            rows.add(new String[] {names, setting.description() + defaultText});
        }
        for (Flag flag : flags) {
            rows.add(new String[] {flag.longOption() + flag.shortOptionIfAny().map(s -> ", " + s).orElse(""),
                flag.description()});
        }
        addAligned(lines, rows);

        lines.add("Environment Variables:");
        rows.clear();
        for (Setting<?> setting : settings) {
            for (String variable : setting.environment()) {
                rows.add(new String[] {variable, setting.environmentDescription()});
            }
            for (EnvAlias alias : setting.aliases()) {
                rows.add(new String[] {alias.variable(), alias.description()});
            }
        }
        addAligned(lines, rows);

        lines.add("Configuration precedence (greatest to least):");
        lines.add("  - command line parameters");
        lines.add("  - environment variables");
        lines.add("  - config files");
        lines.add("  - built-in defaults");

        lines.add("# Config Example:");
        lines.add("---");
        Map<String, Object> tree = new LinkedHashMap<>();
        for (Setting<?> setting : settings) {
            if (setting.yamlKey().isPresent() && setting.example().isPresent()) {
                put(tree, setting.yamlKey().get().split("\\."), 0, setting.example().get());
            }
        }
        addYaml(lines, tree, "");
        return lines;
    }

    private static void addAligned(List<String> lines, List<String[]> rows) {
        int width = rows.stream().mapToInt(row -> row[0].length()).max().orElse(0);
        for (String[] row : rows) {
            lines.add("  " + row[0] + " ".repeat(width - row[0].length()) + " : " + row[1]);
        }
    }

    @SuppressWarnings("unchecked") // the tree holds only String leaves and maps of the same kind
    private static void put(Map<String, Object> tree, String[] path, int index, String value) {
        if (index == path.length - 1) {
            tree.put(path[index], value);
            return;
        }
        // The resolver forbids a key being both a leaf and a mapping, so this cast holds for the
        // settings it accepts; a conflicting list here fails loudly.
        Map<String, Object> child = (Map<String, Object>) tree.computeIfAbsent(path[index], k -> new LinkedHashMap<>());
        put(child, path, index + 1, value);
    }

    @SuppressWarnings("unchecked")
    private static void addYaml(List<String> lines, Map<String, Object> tree, String indent) {
        for (Map.Entry<String, Object> entry : tree.entrySet()) {
            if (entry.getValue() instanceof Map) {
                lines.add(indent + entry.getKey() + ":");
                addYaml(lines, (Map<String, Object>) entry.getValue(), indent + "  ");
            } else {
                String value = (String) entry.getValue();
                lines.add(indent + entry.getKey() + ": " + (PLAIN.matcher(value).matches() ? value
                        : "'" + value.replace("'", "''") + "'"));
            }
        }
    }
}
