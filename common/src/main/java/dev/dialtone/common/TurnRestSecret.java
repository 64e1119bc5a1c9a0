package dev.dialtone.common;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared secret of the TURN REST API scheme: mints credentials on the signaling side and
 * recomputes the password for a username on the relay side. Both sides need nothing but the
 * secret, so the relay keeps no user table and an external coturn can share the same secret.
 */
public final class TurnRestSecret {

    private static final String HMAC_SHA1 = "HmacSHA1";
    /**
     * Most digits an expiry may have: 10^12 s is the year 33658, far beyond any credential and far
     * inside what {@code long} and {@link Instant} hold, so a hostile 18-20 digit value is refused
     * as "not a timestamp" instead of overflowing the parse.
     */
    private static final int MAX_EXPIRY_DIGITS = 12;

    private final SecretKeySpec key;

    public TurnRestSecret(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("TURN secret must not be empty");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC_SHA1);
    }

    /** Credentials for {@code userId} that expire {@code ttl} from now. */
    public TurnCredentials mint(String userId, Duration ttl, Clock clock) {
        Instant expiresAt = clock.instant().plus(ttl).truncatedTo(ChronoUnit.SECONDS);
        String username = expiresAt.getEpochSecond() + ":" + userId;
        return new TurnCredentials(username, passwordFor(username), expiresAt);
    }

    /** The password the holder of {@code username} must present: base64(HMAC-SHA1(secret, username)). */
    public String passwordFor(String username) {
        return Base64.getEncoder().encodeToString(newMac().doFinal(username.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The expiry encoded in a REST username: the part before the first {@code ':'}, or the whole
     * username when it has no user part (coturn accepts both). Empty when it is not a timestamp:
     * not 1 to {@value #MAX_EXPIRY_DIGITS} ASCII digits.
     */
    public static Optional<Instant> expiryOf(String username) {
        int colon = username.indexOf(':');
        String head = colon < 0 ? username : username.substring(0, colon);
        if (head.isEmpty() || head.length() > MAX_EXPIRY_DIGITS) {
            return Optional.empty();
        }
        for (int i = 0; i < head.length(); i++) {
            // ASCII only: Character.isDigit and Long.parseLong also take other scripts' digits
            if (head.charAt(i) < '0' || head.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(Instant.ofEpochSecond(Long.parseLong(head)));
    }

    /** True when {@code username} carries an expiry that has not yet passed at {@code now}. */
    public static boolean isCurrent(String username, Instant now) {
        return expiryOf(username).map(now::isBefore).orElse(false);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA1);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA1 is not available", e);
        }
    }
}
