package dev.dialtone.server;

import dev.dialtone.common.TurnConfig;
import dev.dialtone.relay.RelayConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The URLs clients are told to use when {@code dialtone.turn.urls} names none: the built-in
 * relay's STUN, TURN over UDP and TCP, and TURNS when TLS is on, at its public address
 * ({@code external-ip}, else {@code dialtone.turn.public-host}).
 */
final class AdvertisedTurnUrls {

    private AdvertisedTurnUrls() {
    }

    static TurnConfig complete(TurnConfig turn, RelayConfig relay, String publicHost) {
        if (!turn.urls().isEmpty() || !relay.enabled()) {
            return turn;
        }
        String host = relay.externalIp().map(ip -> ip.getHostAddress()).orElse(publicHost);
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        List<String> urls = new ArrayList<>(List.of(
                "stun:" + host + ":" + relay.port(),
                "turn:" + host + ":" + relay.port() + "?transport=udp",
                "turn:" + host + ":" + relay.port() + "?transport=tcp"));
        if (relay.tlsPort() != 0) {
            urls.add("turns:" + host + ":" + relay.tlsPort() + "?transport=tcp");
        }
        return turn.withUrls(urls);
    }
}
