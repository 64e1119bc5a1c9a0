package dev.dialtone.signaling.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dialtone.signaling.SignalingConfig;
import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

    private static final String SECRET = "an-hs256-secret-of-at-least-32-bytes!";
    private final TokenVerifier verifier = new TokenVerifier(new SignalingConfig.Auth(SECRET, "sub", Duration.ZERO));

    @Test
    void readsTheUserOfAValidToken() {
        assertEquals(Optional.of("alice"), verifier.userOf(token(SECRET, "sub", "alice", 60)));
    }

    @Test
    void refusesForgedExpiredAndMissingTokens() {
        assertEquals(Optional.empty(), verifier.userOf(token("another-secret-of-at-least-32-bytes!!", "sub", "alice", 60)));
        assertEquals(Optional.empty(), verifier.userOf(token(SECRET, "sub", "alice", -5)));
        assertEquals(Optional.empty(), verifier.userOf(token(SECRET, "uid", "alice", 60)));
        assertEquals(Optional.empty(), verifier.userOf(null));
        assertEquals(Optional.empty(), verifier.userOf(""));
        assertEquals(Optional.empty(), verifier.userOf("not.a.jwt"));
        assertEquals(Optional.empty(), verifier.userOf(42));
        assertEquals(Optional.empty(), verifier.userOf(Jwts.builder().subject("alice").compact()));
    }

    @Test
    void readsAConfiguredClaimAndNumericIds() {
        TokenVerifier byId = new TokenVerifier(new SignalingConfig.Auth(SECRET, "_id", Duration.ZERO));
        String numeric = Jwts.builder().claim("_id", 42).signWith(key(SECRET)).compact();
        assertEquals(Optional.of("42"), byId.userOf(numeric));
        assertEquals(Optional.of("abc"), byId.userOf(token(SECRET, "_id", "abc", 60)));
    }

    @Test
    void refusesAWeakSecretAtStart() {
        assertThrows(IllegalArgumentException.class,
                () -> new TokenVerifier(new SignalingConfig.Auth("short", "sub", Duration.ZERO)));
    }

    private static String token(String secret, String claim, String user, long expiresInSeconds) {
        return Jwts.builder().claim(claim, user)
                .expiration(Date.from(Instant.now().plusSeconds(expiresInSeconds)))
                .signWith(key(secret)).compact();
    }

    private static SecretKeySpec key(String secret) {
        return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }
}
