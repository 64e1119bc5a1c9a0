package dev.dialtone.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.dialtone.server.config.ReferenceKeys.Kind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses settings under {@code dialtone.} that no module knows (a typo would otherwise start on
 * the default without a word) and values of the wrong kind, naming the full key, where it was set
 * and what was expected. Values are shown only for kinds that cannot hold a secret.
 */
final class ConfigCheck {

    private static final int MAX_SHOWN_VALUE = 80;

    private final ReferenceKeys known;

    ConfigCheck(ReferenceKeys known) {
        this.known = known;
    }

    /** One sentence per problem; empty when the configuration is fine. */
    List<String> problems(Config config) {
        List<String> problems = new ArrayList<>();
        if (!config.hasPath("dialtone")) {
            return problems;
        }
        Set<String> checked = new HashSet<>();
        for (Map.Entry<String, ConfigValue> setting : config.getConfig("dialtone").entrySet()) {
            String path = "dialtone." + setting.getKey();
            String owner = known.owner(path);
            Kind kind = known.kind(owner).orElse(Kind.SECTION);
            if (kind == Kind.SECTION && !owner.equals(path)) {
                problems.add(unknown(path, setting.getValue().origin()));
            } else if (checked.add(owner)) {
                wrongKind(config, owner, config.getValue(owner), kind).ifPresent(problems::add);
            }
        }
        return problems;
    }

    private String unknown(String path, ConfigOrigin origin) {
        return "unknown setting " + path + " (" + where(path, origin) + ")"
                + known.closest(path).map(k -> ": did you mean " + k + "?")
                        .orElse(": no such setting; the settings are listed in the README and config/dialtone.conf");
    }

    private static Optional<String> wrongKind(Config config, String path, ConfigValue value, Kind kind) {
        try {
            switch (kind) {
                case SECTION -> config.getConfig(path);
                case LIST -> config.getList(path);
                case INT -> config.getInt(path);
                case LONG -> config.getLong(path);
                case NUMBER -> config.getNumber(path);
                case BOOLEAN -> config.getBoolean(path);
                case DURATION -> config.getDuration(path);
                case STRING, ANY -> config.getString(path);
            }
            return Optional.empty();
        } catch (ConfigException e) {
            return Optional.of(path + shown(value, kind) + " (" + where(path, value.origin()) + "): expected "
                    + kind.expected);
        }
    }

    /** {@code " = value"} for kinds that never hold a secret; strings may (jwt-secret, redis-url). */
    private static String shown(ConfigValue value, Kind kind) {
        if (kind == Kind.STRING || kind == Kind.ANY) {
            return " = (" + value.valueType().name().toLowerCase() + ")";
        }
        String rendered = value.valueType() == ConfigValueType.OBJECT
                ? "{...}" : value.render(ConfigRenderOptions.concise());
        return " = " + (rendered.length() > MAX_SHOWN_VALUE ? rendered.substring(0, MAX_SHOWN_VALUE) + "..." : rendered);
    }

    /** Where a setting came from, in the words the operator used to set it. */
    static String where(String path, ConfigOrigin origin) {
        if (origin.filename() != null) {
            return origin.lineNumber() > 0 ? origin.filename() + " line " + origin.lineNumber() : origin.filename();
        }
        String description = origin.description();
        if (description.startsWith("system properties")) {
            return "system property -D" + path;
        }
        if (description.startsWith("env variables")) {
            return "environment variable " + forcedEnvName(path);
        }
        return description;
    }

    /** typesafe-config's name for an override from the environment (config.override_with_env_vars). */
    private static String forcedEnvName(String path) {
        StringBuilder name = new StringBuilder("CONFIG_FORCE_");
        for (char c : path.toCharArray()) {
            name.append(switch (c) {
                case '.' -> "_";
                case '-' -> "__";
                case '_' -> "___";
                default -> String.valueOf(c);
            });
        }
        return name.toString();
    }
}
