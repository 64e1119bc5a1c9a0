package dev.dialtone.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting Dialtone knows: the union of the {@code reference.conf} files of all modules on the
 * classpath, each with the kind of value it takes. Read from the classpath, so a key a module adds
 * to its reference.conf is known without being listed anywhere else.
 */
final class ReferenceKeys {

    /** What a setting takes, as far as its default tells. */
    enum Kind {
        SECTION("a section { ... }"),
        LIST("a list [ ... ]"),
        INT("a whole number"),
        LONG("a whole number"),
        NUMBER("a number"),
        BOOLEAN("true or false"),
        DURATION("a duration such as 500ms, 45s, 10m or 1h"),
        STRING("a string"),
        /** A default taken from the environment (${?DIALTONE_...}): any string. */
        ANY("a string");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }
    }

    private final Map<String, Kind> kinds;

    private ReferenceKeys(Map<String, Kind> kinds) {
        this.kinds = kinds;
    }

    /**
     * The keys under {@code dialtone} of {@code reference}: every reference.conf the class loader
     * sees, merged and not resolved ({@link ConfigLoader#reference()}), so that keys whose default is
     * an unset ${?ENV} stay known; resolved, it gives the defaults' kinds.
     */
    static ReferenceKeys of(Config reference) {
        Config resolved = reference.resolve();
        Map<String, Kind> kinds = new LinkedHashMap<>();
        if (reference.root().get("dialtone") instanceof ConfigObject dialtone) {
            collect("dialtone", dialtone, resolved, kinds);
        }
        return new ReferenceKeys(kinds);
    }

    private static void collect(String path, ConfigObject section, Config resolved, Map<String, Kind> kinds) {
        kinds.put(path, Kind.SECTION);
        for (Map.Entry<String, ConfigValue> e : section.entrySet()) {
            String child = path + "." + ConfigUtil.joinPath(e.getKey());
            if (e.getValue() instanceof ConfigObject object) {
                collect(child, object, resolved, kinds);
            } else {
                kinds.put(child, kindOf(resolved, child));
            }
        }
    }

    private static Kind kindOf(Config resolved, String path) {
        if (!resolved.hasPath(path)) {
            return Kind.ANY;
        }
        ConfigValue value = resolved.getValue(path);
        if (value.valueType() == ConfigValueType.LIST) {
            return Kind.LIST;
        }
        if (value.valueType() == ConfigValueType.BOOLEAN) {
            return Kind.BOOLEAN;
        }
        if (value.valueType() == ConfigValueType.NUMBER) {
            Object number = value.unwrapped();
            return number instanceof Integer ? Kind.INT : number instanceof Long ? Kind.LONG : Kind.NUMBER;
        }
        try {
            resolved.getDuration(path);
            return Kind.DURATION;
        } catch (ConfigException e) {
            return Kind.STRING;
        }
    }

    /** The kind of a known path (setting or section), empty for an unknown one. */
    Optional<Kind> kind(String path) {
        return Optional.ofNullable(kinds.get(path));
    }

    /**
     * The known path that owns {@code path}: itself when known, else its longest known prefix
     * ({@code dialtone.turn.urls} for {@code dialtone.turn.urls.0}, as typesafe-config turns
     * numbered {@code -D} overrides into an object with keys 0, 1, ...).
     */
    String owner(String path) {
        List<String> parts = ConfigUtil.splitPath(path);
        for (int i = parts.size(); i > 1; i--) {
            String prefix = ConfigUtil.joinPath(parts.subList(0, i));
            if (kinds.containsKey(prefix)) {
                return prefix;
            }
        }
        return parts.get(0);
    }

    /** The known setting closest to a mistyped one, if one is close enough to be what was meant. */
    Optional<String> closest(String path) {
        List<String> parts = ConfigUtil.splitPath(path);
        int tolerance = Math.max(2, parts.get(parts.size() - 1).length() / 3);
        return kinds.entrySet().stream()
                .filter(e -> e.getValue() != Kind.SECTION)
                .map(Map.Entry::getKey)
                .map(known -> Map.entry(known, editDistance(path, known)))
                .filter(e -> e.getValue() <= tolerance)
                .min(Comparator.comparingInt(Map.Entry<String, Integer>::getValue).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character each. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
