package dev.dialtone.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import dev.dialtone.common.Secrets;
import dev.dialtone.common.StartupException;
import dev.dialtone.relay.RelayConfig;
import dev.dialtone.server.config.ConfigLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A relay-only node ({@code dialtone.signaling.enabled = false}): the built-in STUN/TURN relay with
 * health, metrics, the admin API's allocations and the edge port's TURN, and no Socket.IO. More
 * relays near the users, for the signaling nodes' clients: they check the TURN REST credentials
 * those nodes hand out, so they need the same TURN secret, and never a random one.
 */
final class RelayOnly {

    /** What only the signaling service reads: its port and limits, tokens, Redis, webhooks, iceServers. */
    private static final List<String> SIGNALING_ONLY = List.of("dialtone.signaling", "dialtone.auth",
            "dialtone.cluster", "dialtone.push", "dialtone.data-dir", "dialtone.turn.urls",
            "dialtone.turn.credential-ttl", "dialtone.turn.public-host", "dialtone.http.dev-tokens");
    private static final String SWITCH = "dialtone.signaling.enabled";

    private RelayOnly() {
    }

    /**
     * True for a relay-only node; refuses, with one problem per line, a node that would run
     * nothing or a relay-only node without the shared TURN secret.
     */
    static boolean check(Config config, RelayConfig relay) {
        if (config.getBoolean("dialtone.signaling.enabled")) {
            return false;
        }
        List<String> problems = new ArrayList<>();
        if (!relay.enabled()) {
            problems.add("dialtone.signaling.enabled and dialtone.relay.enabled are both false: nothing to run");
        }
        if (!Secrets.configured(config, "dialtone.turn.secret")) {
            problems.add("a relay-only node (dialtone.signaling.enabled = false) needs dialtone.turn.secret"
                    + " (env DIALTONE_TURN_SECRET), the secret the signaling nodes sign TURN credentials with");
        }
        if (!problems.isEmpty()) {
            throw new StartupException(problems);
        }
        return true;
    }

    /**
     * The signaling-only settings the operator gave a value (in the file or with {@code -D}) that a
     * relay-only node ignores, by name: an operator who turned signaling off on a copy of a full
     * node's configuration should not believe this node joins the cluster or sends webhooks. Values
     * taken from the environment count as defaults, as nodes often share one environment file.
     */
    static List<String> ignoredSettings(Config config) {
        Config defaults = ConfigLoader.defaults();
        return SIGNALING_ONLY.stream()
                .filter(config::hasPath)
                .flatMap(path -> settingsUnder(config, defaults, path))
                .filter(path -> !path.equals(SWITCH))
                .filter(path -> !defaults.hasPath(path) || !defaults.getValue(path).equals(config.getValue(path)))
                .sorted()
                .toList();
    }

    /** The settings of a section, or the path itself for a setting (a list given as -Dkey.0=... too). */
    private static Stream<String> settingsUnder(Config config, Config defaults, String path) {
        if (!defaults.hasPath(path) || !(defaults.getValue(path) instanceof ConfigObject)) {
            return Stream.of(path);
        }
        return config.getConfig(path).root().keySet().stream()
                .flatMap(key -> settingsUnder(config, defaults, path + "." + ConfigUtil.joinPath(key)));
    }
}
