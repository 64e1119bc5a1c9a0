package dev.dialtone.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.relay.RelayConfig;
import dev.dialtone.server.edge.EdgeConfig;
import dev.dialtone.signaling.turn.IceUrls;
import dev.dialtone.signaling.turn.ReachedBy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdvertisedTurnUrlsTest {

    private static final ReachedBy DIRECT = new ReachedBy("calls.example.com", false);
    private static final ReachedBy EDGE = new ReachedBy("calls.example.com", true);

    @Test
    void edgeClientsGetTheEdgePortOthersTheClassicOnes() {
        IceUrls urls = urls(Map.of("dialtone.edge.port", 443));
        assertEquals(List.of("stun:calls.example.com:443", "turn:calls.example.com:443?transport=udp",
                "turn:calls.example.com:443?transport=tcp"), urls.forClient(EDGE), "no certificate: TURN over TCP");
        assertEquals(List.of("stun:calls.example.com:3478", "turn:calls.example.com:3478?transport=udp",
                "turn:calls.example.com:3478?transport=tcp"), urls.forClient(DIRECT));
    }

    @Test
    void withoutUdpOnlyTheStreamUrl() {
        assertEquals(List.of("turn:calls.example.com:8443?transport=tcp"),
                urls(Map.of("dialtone.edge.port", 8443, "dialtone.edge.udp", false)).forClient(EDGE));
    }

    @Test
    void anExternalIpNamesTheRelayButEdgeClientsKeepTheNameTheirCertificateIsFor() {
        IceUrls urls = urls(Map.of("dialtone.edge.port", 443, "dialtone.relay.external-ip", "203.0.113.10"));
        assertEquals("turn:calls.example.com:443?transport=tcp", urls.forClient(EDGE).get(2));
        assertEquals("stun:203.0.113.10:3478", urls.forClient(DIRECT).get(0));
        IceUrls named = urls(Map.of("dialtone.edge.port", 443, "dialtone.turn.public-host", "turn.example.org"));
        assertEquals("stun:turn.example.org:443", named.forClient(EDGE).get(0));
    }

    @Test
    void configuredUrlsWinForEveryone() {
        IceUrls urls = urls(Map.of("dialtone.edge.port", 443, "dialtone.turn.urls", List.of("turn:coturn.example.com:3478")));
        assertEquals(List.of("turn:coturn.example.com:3478"), urls.forClient(EDGE));
    }

    private static IceUrls urls(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(Map.of("dialtone.turn.secret", "s".repeat(32), "dialtone.turn.public-host", ""));
        all.putAll(settings);
        Config config = ConfigFactory.parseMap(all).withFallback(ConfigFactory.defaultReference()).resolve();
        return AdvertisedTurnUrls.of(TurnConfig.from(config), RelayConfig.from(config),
                config.getString("dialtone.turn.public-host"), EdgeConfig.from(config));
    }
}
