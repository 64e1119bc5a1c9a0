package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelayConfigTest {

    private static RelayConfig parse(Map<String, Object> overrides) {
        return RelayConfig.from(ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.defaultReference()).resolve());
    }

    @Test
    void defaultsAreTheContract() {
        RelayConfig config = parse(Map.of());
        assertTrue(config.enabled());
        assertEquals(3478, config.port());
        assertEquals(5349, config.tlsPort());
        assertEquals(49152, config.minPort());
        assertEquals(65535, config.maxPort());
        assertFalse(config.allowLoopbackPeers());
        assertEquals(Duration.ofMinutes(10), config.defaultLifetime());
        assertTrue(config.tlsCertFile().isEmpty() && config.relayAddress().isEmpty());
    }

    @Test
    void externalIpAndAllowListAreRead() {
        RelayConfig config = parse(Map.of("dialtone.relay.external-ip", "203.0.113.9",
                "dialtone.relay.allowed-peer-cidrs", java.util.List.of("10.0.0.0/8")));
        assertEquals("203.0.113.9", config.externalIp().orElseThrow().getHostAddress());
        assertEquals("10.0.0.0/8", config.allowedPeerCidrs().get(0).toString());
    }

    @Test
    void mistakesFailAtStart() {
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of("dialtone.relay.min-port", 60000,
                "dialtone.relay.max-port", 50000)));
        assertThrows(ConfigException.class, () -> parse(Map.of("dialtone.relay.external-ip", "relay.example.com")));
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of("dialtone.relay.tls-cert-file", "/x.pem")));
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of("dialtone.relay.port", 70000)));
    }

    @Test
    void aMissingCertificateFileIsNamedWithItsKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(Map.of(
                "dialtone.relay.tls-cert-file", "/nope/cert.pem", "dialtone.relay.tls-key-file", "/nope/key.pem")));
        assertEquals("dialtone.relay.tls-cert-file = /nope/cert.pem: not found; give the path of a PEM file"
                + " (or leave both TLS files empty for a self-signed certificate)", e.getMessage());
        // With TLS off the files are not used, so they need not exist.
        assertEquals(0, parse(Map.of("dialtone.relay.tls-port", 0, "dialtone.relay.tls-cert-file", "/nope/cert.pem",
                "dialtone.relay.tls-key-file", "/nope/key.pem")).tlsPort());
    }

    @Test
    void udpLoopsAreOnePerTwoCpusUnlessSet() {
        RelayConfig byDefault = parse(Map.of());
        assertEquals(1, byDefault.udpLoops(1));
        assertEquals(1, byDefault.udpLoops(2));
        assertEquals(1, byDefault.udpLoops(3));
        assertEquals(8, byDefault.udpLoops(16));
        RelayConfig set = parse(Map.of("dialtone.relay.udp-threads", 3));
        assertEquals(3, set.udpLoops(2));
        assertEquals(3, set.udpLoops(16));
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of("dialtone.relay.udp-threads", -1)));
    }
}
