package dev.dialtone.relay.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Nonces for the long-term credential mechanism that carry their own expiry, signed with a key
 * made at start: the relay remembers nothing per client, a forged or altered nonce fails the
 * signature, and an old one is answered with 438 Stale Nonce. A restart invalidates every nonce,
 * which clients handle as a stale nonce.
 */
public final class Nonces {

    private static final HexFormat HEX = HexFormat.of();
    private static final int EXPIRY_HEX = 16;
    private static final int TAG_BYTES = 12;

    /** Most nonces remembered as verified; one per client that was challenged, emptied when full. */
    static final int REMEMBERED = 10_000;

    /**
     * Nonces whose tag was verified, with their expiry: a client signs each request of its
     * allocation with the nonce it was given, and this spares the HMAC of every request after the
     * first. Only nonces this relay issued get in.
     */
    private final BoundedCache<String, Long> verified = new BoundedCache<>(REMEMBERED);
    private final SecretKeySpec key;
    private final Clock clock;
    private final Duration lifetime;

    public Nonces(Clock clock, Duration lifetime) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.key = new SecretKeySpec(random, "HmacSHA256");
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** A fresh nonce valid for the configured lifetime. */
    public String issue() {
        String expiry = HEX.toHexDigits(clock.millis() + lifetime.toMillis());
        return expiry + HEX.formatHex(tag(expiry));
    }

    /** What a nonce presented by a client is worth. */
    public Validity check(String nonce) {
        Long remembered = verified.get(nonce);
        if (remembered != null) {
            return validityUntil(remembered);
        }
        if (nonce.length() != EXPIRY_HEX + 2 * TAG_BYTES || !nonce.chars().allMatch(HexFormat::isHexDigit)) {
            return Validity.FORGED;
        }
        String expiry = nonce.substring(0, EXPIRY_HEX);
        byte[] presented = HEX.parseHex(nonce, EXPIRY_HEX, nonce.length());
        if (!MessageDigest.isEqual(tag(expiry), presented)) {
            return Validity.FORGED;
        }
        long expiresAt = HEX.fromHexDigitsToLong(expiry);
        verified.put(nonce, expiresAt);
        return validityUntil(expiresAt);
    }

    /** A genuine nonce is valid until its expiry, stale after. */
    private Validity validityUntil(long expiresAt) {
        return expiresAt > clock.millis() ? Validity.VALID : Validity.STALE;
    }

    private byte[] tag(String expiry) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] full = mac.doFinal(expiry.getBytes(StandardCharsets.US_ASCII));
            return Arrays.copyOf(full, TAG_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    public enum Validity { VALID, STALE, FORGED }
}
