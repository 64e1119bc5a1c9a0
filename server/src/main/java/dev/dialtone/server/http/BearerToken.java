package dev.dialtone.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks an {@code Authorization: Bearer <token>} header against the configured token in
 * constant time: both sides are hashed to fixed-length SHA-256 digests first, so neither the
 * comparison nor the lengths tell anything about how much of a guess was right.
 */
final class BearerToken {

    private static final String SCHEME = "bearer ";
    /** Longer headers are refused unread. */
    private static final int MAX_HEADER_LENGTH = 1024;

    private final byte[] expected;

    BearerToken(String token) {
        this.expected = sha256(token);
    }

    /** Whether {@code authorization} (an Authorization header, or null) carries the token. */
    boolean admits(String authorization) {
        if (authorization == null || authorization.length() > MAX_HEADER_LENGTH
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        return MessageDigest.isEqual(expected, sha256(authorization.substring(SCHEME.length()).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
