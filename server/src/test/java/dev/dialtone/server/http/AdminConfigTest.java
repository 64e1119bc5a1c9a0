package dev.dialtone.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminConfigTest {

    private static AdminConfig with(String token) {
        return AdminConfig.from(ConfigFactory.parseMap(Map.of("dialtone.admin.token", token))
                .withFallback(ConfigFactory.defaultReference()));
    }

    @Test
    void offWhenEmpty() {
        assertFalse(with("").enabled());
        assertFalse(with("  ").enabled());
    }

    @Test
    void aTokenOfAtLeast32CharactersTurnsItOnAndIsNeverShown() {
        String token = "x".repeat(32);
        AdminConfig config = with(token);
        assertTrue(config.enabled());
        assertEquals(token, config.token());
        assertFalse(config.toString().contains(token));
    }

    @Test
    void aShorterTokenStopsTheStartNamingTheSettingButNotTheToken() {
        String token = "y".repeat(31);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(token));
        assertTrue(e.getMessage().contains("dialtone.admin.token"), e.getMessage());
        assertTrue(e.getMessage().contains("DIALTONE_ADMIN_TOKEN"), e.getMessage());
        assertFalse(e.getMessage().contains(token), e.getMessage());
    }
}
