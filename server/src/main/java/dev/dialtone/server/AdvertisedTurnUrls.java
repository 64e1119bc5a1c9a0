package dev.dialtone.server;

import dev.dialtone.common.TurnConfig;
import dev.dialtone.relay.RelayConfig;
import dev.dialtone.server.edge.EdgeConfig;
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
 * the server by). A client that came through the edge port gets that port instead, the one its
 * network let through: TURN over TLS (or TCP without a certificate) and, with {@code edge.udp},
 * STUN and TURN over UDP, at {@code public-host} or else the host it reached (the name its TLS
 * certificate is for, which an external IP is not).
 */
final class AdvertisedTurnUrls {

    private AdvertisedTurnUrls() {
    }

    static IceUrls of(TurnConfig turn, RelayConfig relay, String publicHost, EdgeConfig edge) {
        if (!turn.urls().isEmpty() || !relay.enabled()) {
            return IceUrls.fixed(turn.urls());
        }
        Optional<String> known = publicAddress(relay, publicHost);
        if (edge.enabled()) {
            Optional<String> name = named(publicHost);
            return IceUrls.perClient(reached -> reached.edge() ? atEdge(edge, name.orElse(reached.host()))
                    : at(relay, known.orElse(reached.host())));
        }
        return known.map(host -> IceUrls.fixed(at(relay, host)))
                .orElseGet(() -> IceUrls.atReachedHost(host -> at(relay, host)));
    }

    /** The relay's public address when configured: {@code external-ip}, else {@code public-host}. */
    static Optional<String> publicAddress(RelayConfig relay, String publicHost) {
        return relay.externalIp().map(InetAddress::getHostAddress).or(() -> named(publicHost));
    }

    private static Optional<String> named(String publicHost) {
        return publicHost.isBlank() ? Optional.empty() : Optional.of(publicHost.trim());
    }

    private static List<String> atEdge(EdgeConfig edge, String host) {
        String at = urlHost(host) + ":" + edge.port();
        List<String> urls = new ArrayList<>();
        if (edge.udp()) {
            urls.add("stun:" + at);
            urls.add("turn:" + at + "?transport=udp");
        }
        urls.add((edge.tls() ? "turns:" : "turn:") + at + "?transport=tcp");
        return urls;
    }

    private static String urlHost(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static List<String> at(RelayConfig relay, String host) {
        host = urlHost(host);
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
