package dev.dialtone.server;

import dev.dialtone.common.TurnConfig;
import dev.dialtone.relay.RelayConfig;
import dev.dialtone.signaling.turn.IceUrls;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The URLs clients are told to use when {@code dialtone.turn.urls} names none: the built-in
 * relay's STUN, TURN over UDP and TCP, and TURNS when TLS is on with a configured certificate
 * (browsers refuse the self-signed fallback: advertising it only earns every call an ICE error), at its public address
 * ({@code external-ip}, else {@code dialtone.turn.public-host}, else the host each client reached
 * the server by).
 */
final class AdvertisedTurnUrls {

    private AdvertisedTurnUrls() {
    }

    static IceUrls of(TurnConfig turn, RelayConfig relay, String publicHost) {
        if (!turn.urls().isEmpty() || !relay.enabled()) {
            return IceUrls.fixed(turn.urls());
        }
        Optional<String> known = relay.externalIp().map(InetAddress::getHostAddress)
                .or(() -> publicHost.isBlank() ? Optional.empty() : Optional.of(publicHost.trim()));
        return known.map(host -> IceUrls.fixed(at(relay, host)))
                .orElseGet(() -> IceUrls.atReachedHost(host -> at(relay, host)));
    }

    private static List<String> at(RelayConfig relay, String host) {
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        List<String> urls = new ArrayList<>(List.of(
                "stun:" + host + ":" + relay.port(),
                "turn:" + host + ":" + relay.port() + "?transport=udp",
                "turn:" + host + ":" + relay.port() + "?transport=tcp"));
        if (relay.tlsPort() != 0 && relay.tlsCertFile().isPresent()) {
            urls.add("turns:" + host + ":" + relay.tlsPort() + "?transport=tcp");
        }
        return urls;
    }
}
