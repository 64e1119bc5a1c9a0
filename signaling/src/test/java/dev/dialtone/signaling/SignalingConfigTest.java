package dev.dialtone.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values out of range stop the start with the full key, the value and what is accepted. */
class SignalingConfigTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    private static SignalingConfig parse(Map<String, Object> overrides) {
        return SignalingConfig.from(ConfigFactory.parseMap(overrides)
                .withFallback(ConfigFactory.parseMap(Map.of("dialtone.auth.jwt-secret", SECRET)))
                .withFallback(ConfigFactory.parseResourcesAnySyntax("reference.conf")).resolve());
    }

    private static String refused(Map<String, Object> overrides) {
        return assertThrows(IllegalArgumentException.class, () -> parse(overrides)).getMessage();
    }

    @Test
    void defaultsAreAccepted() {
        SignalingConfig config = parse(Map.of());
        assertEquals(4002, config.port());
        assertEquals(1, config.eventLoops());
        assertFalse(config.cluster().enabled());
    }

    @Test
    void aPortOutOfRangeIsNamed() {
        assertEquals("dialtone.signaling.port = 70000: not a port; give one from 1 to 65535",
                refused(Map.of("dialtone.signaling.port", 70000)));
    }

    @Test
    void limitsBelowOneAreNamed() {
        assertEquals("dialtone.signaling.limits.max-signal-bytes = -1: must be 1 or more",
                refused(Map.of("dialtone.signaling.limits.max-signal-bytes", -1)));
        assertEquals("dialtone.signaling.limits.max-sockets-per-user = 0: must be 1 or more",
                refused(Map.of("dialtone.signaling.limits.max-sockets-per-user", 0)));
    }

    @Test
    void eventLoopsBelowOneAreNamed() {
        assertEquals("dialtone.signaling.event-loops = 0: must be 1 or more",
                refused(Map.of("dialtone.signaling.event-loops", 0)));
    }

    @Test
    void aRedisUrlThatIsNoneIsRefusedWithoutRepeatingIt() {
        for (String url : new String[] {"foo", "http://127.0.0.1:6379", "redis://:hunter2@127.0.0.1:6379/x"}) {
            String message = refused(Map.of("dialtone.cluster.redis-url", url));
            assertEquals("dialtone.cluster.redis-url (env DIALTONE_REDIS_URL) is not a Redis URL; give"
                    + " redis://[:password@]host:port[/db] or rediss://... for TLS, or leave it empty for one node", message);
        }
        assertEquals("redis://127.0.0.1:6379",
                parse(Map.of("dialtone.cluster.redis-url", "redis://:hunter2@127.0.0.1:6379/2")).cluster().redisAddress());
    }
}
