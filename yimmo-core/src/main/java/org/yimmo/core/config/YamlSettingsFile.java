package org.yimmo.core.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/**
 * The settings in one YAML file, flattened to dotted keys. Immutable once read, thread safe.
 *
 * <p>Loading is safe: only SnakeYAML's {@link SafeConstructor} runs, which builds maps, lists,
 * strings, numbers, booleans and dates, and rejects any tag naming a Java class; duplicate keys
 * and alias bombs are refused too. Caveats: a dotted key such as {@code wsgi.port: 80} is
 * matched as written, like the nested form (giving both is an error); a null value
 * ({@code port:} with nothing after it) leaves the setting unset.
 */
final class YamlSettingsFile {

    /** Far above any real settings file; keeps a wrong path (a log, an image) from being slurped. */
    static final long MAX_BYTES = 1 << 20;

    private final Path file;
    private final Map<String, Object> values;
    private final List<String> unknownKeys;

    private YamlSettingsFile(Path file, Map<String, Object> values, List<String> unknownKeys) {
        this.file = file;
        this.values = values;
        this.unknownKeys = List.copyOf(unknownKeys);
    }

    /**
     * Reads {@code file} and matches its keys against {@code knownKeys}.
     *
     * @param pathOrigin where the file's path came from, for errors
     * @param knownKeys  the dotted YAML keys of the settings being resolved
     * @throws ConfigException if the file is missing, unreadable, not YAML, not a mapping at the
     *                         top level, or has a scalar where a mapping of settings belongs
     */
    static YamlSettingsFile read(Path file, ConfigOrigin pathOrigin, Set<String> knownKeys) {
        String what = "config file " + file + " (from " + pathOrigin.describe() + ")";
        Object document = parse(file, what, load(file, what));
        if (document == null) {
            // An empty file, or one holding only comments: no settings, which is fine.
            return new YamlSettingsFile(file, Map.of(), List.of());
        }
        if (!(document instanceof Map)) {
            throw new ConfigException(what + " must hold a mapping of settings at the top level, not "
                    + kind(document));
        }
        Set<String> prefixes = new HashSet<>();
        for (String key : knownKeys) {
            for (int dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
                prefixes.add(key.substring(0, dot));
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        flatten((Map<?, ?>) document, "", knownKeys, prefixes, values, unknown, file);
        return new YamlSettingsFile(file, values, unknown);
    }

    private static String load(Path file, String what) {
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(what + " is a directory, not a YAML file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException(what + " is larger than " + MAX_BYTES + " bytes; is it the right file?");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(what + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read " + what + ": permission denied", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException("cannot read " + what + ": it is not UTF-8 text", e);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + what + ": " + e, e);
        }
    }

    private static Object parse(Path file, String what, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(20);
        DumperOptions dumperOptions = new DumperOptions(); // unused: Yaml wants one to be built
        Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(dumperOptions), dumperOptions, options);
        try {
            return yaml.load(text);
        } catch (MarkedYAMLException e) {
            throw new ConfigException(what + " is not valid YAML: " + describe(e), e);
        } catch (YAMLException e) {
            throw new ConfigException(what + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /** One line: "context; problem at line L, column C" (SnakeYAML's own message spans several). */
    private static String describe(MarkedYAMLException e) {
        StringBuilder text = new StringBuilder();
        if (e.getContext() != null) {
            text.append(e.getContext()).append("; ");
        }
        text.append(e.getProblem());
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        if (mark != null) {
            text.append(" at line ").append(mark.getLine() + 1).append(", column ").append(mark.getColumn() + 1);
        }
        return text.toString();
    }

    private static void flatten(Map<?, ?> map, String prefix, Set<String> known, Set<String> prefixes,
            Map<String, Object> values, List<String> unknown, Path file) {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = prefix + String.valueOf(entry.getKey());
            Object value = entry.getValue();
            if (known.contains(key)) {
                if (values.containsKey(key)) {
                    throw new ConfigException("config file " + file + ": " + key + " is given twice");
                }
                values.put(key, value);
            } else if (prefixes.contains(key)) {
                if (value instanceof Map) {
                    flatten((Map<?, ?>) value, key + ".", known, prefixes, values, unknown, file);
                } else if (value != null) {
                    throw new ConfigException("config file " + file + ": " + key
                            + " must be a mapping of settings (such as " + childrenOf(key, known) + "), not "
                            + kind(value));
                }
            } else if (value instanceof Map && !((Map<?, ?>) value).isEmpty()) {
                // Descend so the warning names each unknown leaf, e.g. wsgi.tls.cert.
                flatten((Map<?, ?>) value, key + ".", known, prefixes, values, unknown, file);
            } else {
                unknown.add(key);
            }
        }
    }

    private static String childrenOf(String prefix, Set<String> known) {
        StringJoiner children = new StringJoiner(", ");
        known.stream().filter(key -> key.startsWith(prefix + ".")).sorted().forEach(children::add);
        return children.toString();
    }

    private static String kind(Object value) {
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof Collection) {
            return "a sequence " + render(value);
        }
        return "the value '" + render(value) + "'";
    }

    /**
     * The text a parser sees for a YAML value. Scalars read back as typed, as far as SnakeYAML
     * lets us: it has already turned {@code 8081} into an Integer, {@code yes} into a Boolean and
     * {@code 2.5} into a Double, so those come back as {@code 8081}, {@code true}, {@code 2.5}.
     * Anything else (a sequence, a mapping, a date, binary) is rendered for the error message
     * and marked not scalar.
     */
    static boolean isScalar(Object value) {
        return value instanceof String || value instanceof Number || value instanceof Boolean;
    }

    /** See {@link #isScalar}. */
    static String render(Object value) {
        if (value instanceof Map) {
            StringJoiner text = new StringJoiner(", ", "{", "}");
            ((Map<?, ?>) value).forEach((k, v) -> text.add(render(k) + ": " + render(v)));
            return text.toString();
        }
        if (value instanceof Collection) {
            StringJoiner text = new StringJoiner(", ", "[", "]");
            ((Collection<?>) value).forEach(v -> text.add(render(v)));
            return text.toString();
        }
        if (value instanceof byte[]) {
            return "!!binary (" + ((byte[]) value).length + " bytes)";
        }
        return String.valueOf(value);
    }

    Path file() {
        return file;
    }

    /** Whether the file gives {@code key} a value (an explicit null counts as not given). */
    boolean has(String key) {
        return values.get(key) != null;
    }

    /** The value under {@code key}, as SnakeYAML built it; null if absent. */
    Object get(String key) {
        return values.get(key);
    }

    /** Keys the file holds that no setting uses, as dotted paths, in file order. */
    List<String> unknownKeys() {
        return unknownKeys;
    }
}
