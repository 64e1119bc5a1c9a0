package dev.dialtone.server.http;

import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs client tokens for the test-call page, with the same secret and claim the signaling
 * service checks. For development only: anyone who can reach it becomes any user.
 */
final class DevTokenIssuer {

    private static final Duration LIFETIME = Duration.ofHours(1);

    private final SecretKeySpec key;
    private final String userClaim;
    private final Clock clock;

    DevTokenIssuer(String jwtSecret, String userClaim, Clock clock) {
        this.key = new SecretKeySpec(jwtSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.userClaim = userClaim;
        this.clock = clock;
    }

    String tokenFor(String userId) {
        return Jwts.builder()
                .claim(userClaim, userId)
                .issuedAt(Date.from(clock.instant()))
                .expiration(Date.from(clock.instant().plus(LIFETIME)))
                .signWith(key, Jwts.SIG.HS256)
                .compact();
    }
}
