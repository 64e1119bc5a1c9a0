package dev.dialtone.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.server.config.ConfigLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which settings a relay-only node names as doing nothing there, from the real reference.conf files. */
class RelayOnlyTest {

    private static Config node(Map<String, Object> given) {
        return ConfigFactory.parseMap(given, "test").withFallback(ConfigLoader.defaults()).resolve();
    }

    @Test
    void namesTheSignalingSettingsTheOperatorGaveAndNothingElse() {
        Config config = node(Map.of(
                "dialtone.signaling.enabled", false,
                "dialtone.signaling.port", 4100,
                "dialtone.cluster.redis-url", "redis://:hunter2@10.0.0.5:6379",
                "dialtone.push.events", List.of("call.incoming"),
                "dialtone.relay.port", 3479,
                "dialtone.turn.realm", "example"));

        assertEquals(List.of("dialtone.cluster.redis-url", "dialtone.push.events", "dialtone.signaling.port"),
                RelayOnly.ignoredSettings(config));
    }

    @Test
    void aValueEqualToItsDefaultIsNotNamed() {
        Config config = node(Map.of("dialtone.signaling.enabled", false, "dialtone.signaling.port", 4002,
                "dialtone.push.wait", "30s"));

        assertEquals(List.of(), RelayOnly.ignoredSettings(config));
    }

    @Test
    void aListGivenByIndexIsNamedOnce() {
        Config config = node(Map.of("dialtone.signaling.enabled", false,
                "dialtone.turn.urls", Map.of("0", "turn:a.example:3478", "1", "turns:a.example:5349")));

        assertEquals(List.of("dialtone.turn.urls"), RelayOnly.ignoredSettings(config));
    }
}
