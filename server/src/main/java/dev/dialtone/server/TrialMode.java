package dev.dialtone.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.Secrets;
import java.util.List;
import java.util.Map;

/**
 * Local trial: with no secret configured, the server runs for this machine only so that two
 * browser tabs can call each other at once. Everything listens on 127.0.0.1, the test-call page
 * gets development tokens, and the relay relays from 127.0.0.1 and lets loopback peers in (which
 * production must never do: it would open the operator's own network). Random secrets serve this
 * run. Setting either secret is production mode, where none of this applies.
 */
final class TrialMode {

    private static final String LOOPBACK = "127.0.0.1";

    private TrialMode() {
    }

    /**
     * True when neither the JWT secret nor the TURN secret is configured, on a node that serves
     * calls: a relay-only node is never a trial ({@link RelayOnly}).
     */
    static boolean applies(Config config) {
        return config.getBoolean("dialtone.signaling.enabled")
                && !Secrets.configured(config, "dialtone.auth.jwt-secret")
                && !Secrets.configured(config, "dialtone.turn.secret");
    }

    /** {@code config} with the trial settings on top: they win over the file and -D. */
    static Config apply(Config config) {
        Map<String, Object> trial = Map.ofEntries(
                Map.entry("dialtone.auth.jwt-secret", Secrets.random()),
                Map.entry("dialtone.turn.secret", Secrets.random()),
                Map.entry("dialtone.signaling.host", LOOPBACK),
                Map.entry("dialtone.http.host", LOOPBACK),
                Map.entry("dialtone.edge.host", LOOPBACK),
                Map.entry("dialtone.http.dev-tokens", true),
                Map.entry("dialtone.relay.listen-addresses", List.of(LOOPBACK)),
                Map.entry("dialtone.relay.relay-address", LOOPBACK),
                Map.entry("dialtone.relay.external-ip", ""),
                Map.entry("dialtone.relay.allow-loopback-peers", true),
                Map.entry("dialtone.turn.public-host", LOOPBACK),
                // a trial starts at once: the warm-up pays off under load, not for two tabs
                Map.entry("dialtone.signaling.warmup.calls", 0));
        return ConfigFactory.parseMap(trial, "trial mode (no secrets configured)").withFallback(config);
    }

    /** The one line that tells a new user what to open. */
    static String invitation(Config config) {
        return "TRIAL MODE (no secrets configured): open http://" + LOOPBACK + ":" + config.getInt("dialtone.http.port")
                + "/ in two tabs and call from one to the other. Only this machine can connect, and anyone on it"
                + " can sign in as anyone; set DIALTONE_JWT_SECRET and DIALTONE_TURN_SECRET for production";
    }
}
