package dev.dialtone.signaling.auth;

import dev.dialtone.signaling.SignalingConfig;
import dev.dialtone.signaling.protocol.Requests;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a client's JWT (HS256 and the other HMAC algorithms, signature and exp/nbf) and reads
 * the user id from the configured claim. Unsigned tokens and other algorithms are refused by
 * jjwt itself.
 */
public final class TokenVerifier {

    /** RFC 7518 section 3.2: an HS256 key must have at least 256 bits. */
    private static final int MIN_SECRET_BYTES = 32;

    private final JwtParser parser;
    private final String userClaim;

    public TokenVerifier(SignalingConfig.Auth auth) {
        byte[] secret = auth.jwtSecret().getBytes(StandardCharsets.UTF_8);
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("dialtone.auth.jwt-secret has " + secret.length
                    + " bytes; HS256 needs at least " + MIN_SECRET_BYTES);
        }
        this.parser = Jwts.parser()
                .verifyWith(new SecretKeySpec(secret, "HmacSHA256"))
                .clockSkewSeconds(auth.clockSkew().toSeconds())
                .build();
        this.userClaim = auth.userClaim();
    }

    /** The user id of a valid token; empty for anything else (missing, forged, expired, no user). */
    public Optional<String> userOf(Object token) {
        if (!(token instanceof String jwt) || jwt.isEmpty()) {
            return Optional.empty();
        }
        try {
            Claims claims = parser.parseSignedClaims(jwt).getPayload();
            Object id = claims.get(userClaim);
            if (id instanceof String s && !s.isEmpty() && s.length() <= Requests.MAX_USER_ID_LENGTH) {
                return Optional.of(s);
            }
            if (id instanceof Integer || id instanceof Long) {
                return Optional.of(id.toString());
            }
            return Optional.empty();
        } catch (JwtException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
