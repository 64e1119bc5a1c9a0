package dev.dialtone.signaling.auth;

import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs client tokens with the same secret and claim {@link TokenVerifier} checks: for the
 * test-call page's {@code /dev/token} (development only: anyone who can reach it becomes any
 * user), for the {@code token} command, and for the made-up users of the call-path warm-up.
 */
public final class ClientTokenIssuer {

    private final SecretKeySpec key;
    private final String userClaim;
    private final Clock clock;

    public ClientTokenIssuer(String jwtSecret, String userClaim, Clock clock) {
        this.key = new SecretKeySpec(jwtSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.userClaim = userClaim;
        this.clock = clock;
    }

    public String tokenFor(String userId, Duration lifetime) {
        Instant now = clock.instant(); // one reading: the token lives exactly its lifetime
        return Jwts.builder()
                .claim(userClaim, userId)
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(lifetime)))
                .signWith(key, Jwts.SIG.HS256)
                .compact();
    }
}
