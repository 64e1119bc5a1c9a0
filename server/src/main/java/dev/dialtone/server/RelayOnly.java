package dev.dialtone.server;

import com.typesafe.config.Config;
import dev.dialtone.common.Secrets;
import dev.dialtone.common.StartupException;
import dev.dialtone.relay.RelayConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A relay-only node ({@code dialtone.signaling.enabled = false}): the built-in STUN/TURN relay with
 * health, metrics, the admin API's allocations and the edge port's TURN, and no Socket.IO. More
 * relays near the users, for the signaling nodes' clients: they check the TURN REST credentials
 * those nodes hand out, so they need the same TURN secret, and never a random one.
 */
final class RelayOnly {

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
}
