package dev.dialtone.common;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * The {@code dialtone.turn} section: how credentials are minted and which URLs are advertised.
 *
 * @param secret        shared secret of the TURN REST scheme (never logged)
 * @param realm         long-term credential realm
 * @param credentialTtl how long minted credentials stay valid
 * @param urls          URLs advertised in {@code iceServers}; empty means "derive from the built-in relay"
 */
public record TurnConfig(String secret, String realm, Duration credentialTtl, List<String> urls) {

    public TurnConfig {
        urls = List.copyOf(urls);
        if (credentialTtl.isNegative() || credentialTtl.isZero()) {
            throw new IllegalArgumentException("dialtone.turn.credential-ttl must be positive");
        }
    }

    public static TurnConfig from(Config config) {
        Config turn = config.getConfig("dialtone.turn");
        return new TurnConfig(
                Secrets.orRandom(config, "dialtone.turn.secret", "DIALTONE_TURN_SECRET"),
                turn.getString("realm"),
                turn.getDuration("credential-ttl"),
                turn.getStringList("urls"));
    }

    public TurnConfig withUrls(List<String> derived) {
        return new TurnConfig(secret, realm, credentialTtl, derived);
    }

    @Override
    public String toString() {
        return "TurnConfig[realm=" + realm + ", credentialTtl=" + credentialTtl + ", urls=" + urls + "]";
    }
}
