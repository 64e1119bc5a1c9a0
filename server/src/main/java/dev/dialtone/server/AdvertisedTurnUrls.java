package dev.dialtone.server;

import com.typesafe.config.Config;
import dev.dialtone.common.TurnConfig;
import java.util.List;

/**
 * The URLs clients are told to use when {@code dialtone.turn.urls} names none: the built-in
 * relay's STUN, TURN over UDP and TCP, and TURNS, at its public address.
 */
final class AdvertisedTurnUrls {

    private AdvertisedTurnUrls() {
    }

    static TurnConfig complete(TurnConfig turn, Config config) {
        if (!turn.urls().isEmpty() || !config.getBoolean("dialtone.relay.enabled")) {
            return turn;
        }
        String host = config.hasPath("dialtone.relay.external-ip")
                ? config.getString("dialtone.relay.external-ip")
                : config.getString("dialtone.turn.public-host");
        int port = config.getInt("dialtone.relay.port");
        int tlsPort = config.getInt("dialtone.relay.tls-port");
        return turn.withUrls(List.of(
                "stun:" + host + ":" + port,
                "turn:" + host + ":" + port + "?transport=udp",
                "turn:" + host + ":" + port + "?transport=tcp",
                "turns:" + host + ":" + tlsPort + "?transport=tcp"));
    }
}
