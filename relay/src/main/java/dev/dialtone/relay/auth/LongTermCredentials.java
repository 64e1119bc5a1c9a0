package dev.dialtone.relay.auth;

import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.stun.MessageIntegrity;
import dev.dialtone.relay.stun.StunRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;

/**
 * The long-term credential mechanism (RFC 8489 section 9.2) with TURN REST usernames: the
 * password is recomputed from the shared secret, the expiry is read from the username, and the
 * message must carry a valid MESSAGE-INTEGRITY under MD5(username:realm:password).
 */
public final class LongTermCredentials {

    /** As many users as hold allocations at once on a large relay; 16 bytes of key and the username each. */
    static final int CACHED_KEYS = 10_000;

    /**
     * Keys of recently authenticated usernames, so that the later requests of an allocation (and
     * the other connections of a user) skip the password's HMAC and the key's MD5. A username is
     * only put here once a request signed with its key passed, so a client without credentials
     * cannot fill it; bounded by {@link #CACHED_KEYS}, emptied when full.
     */
    private final BoundedCache<String, byte[]> keys = new BoundedCache<>(CACHED_KEYS);
    private final TurnRestSecret secret;
    private final String realm;
    private final Nonces nonces;
    private final Clock clock;

    public LongTermCredentials(TurnRestSecret secret, String realm, Nonces nonces, Clock clock) {
        this.secret = secret;
        this.realm = realm;
        this.nonces = nonces;
        this.clock = clock;
    }

    public String realm() {
        return realm;
    }

    public String freshNonce() {
        return nonces.issue();
    }

    /** Checks a request against the secret, the expiry in its username and its nonce. */
    public Outcome check(StunRequest request) {
        if (!request.hasMessageIntegrity()) {
            return new Rejected(401, "Unauthorized");
        }
        if (request.username().isEmpty() || request.realm().isEmpty() || request.nonce().isEmpty()) {
            return new Rejected(400, "Bad Request");
        }
        if (nonces.check(request.nonce().get()) != Nonces.Validity.VALID) {
            return new Rejected(438, "Stale Nonce");
        }
        String username = request.username().get();
        if (!request.realm().get().equals(realm) || !TurnRestSecret.isCurrent(username, clock.instant())) {
            return new Rejected(401, "Unauthorized");
        }
        byte[] cached = keys.get(username);
        byte[] key = cached != null ? cached : key(username, realm, secret.passwordFor(username));
        if (!MessageIntegrity.verify(request.raw(), key)) {
            return new Rejected(401, "Unauthorized");
        }
        if (cached == null) {
            keys.put(username, key);
        }
        return new Accepted(username, userIdOf(username), key);
    }

    /** The long-term key: MD5(username ":" realm ":" password) (RFC 8489 section 9.2.2). */
    public static byte[] key(String username, String realm, String password) {
        try {
            return MessageDigest.getInstance("MD5")
                    .digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
    }

    /** The user a REST username belongs to (after the expiry), which per-user quotas count. */
    static String userIdOf(String username) {
        int colon = username.indexOf(':');
        return colon < 0 ? username : username.substring(colon + 1);
    }

    public sealed interface Outcome permits Accepted, Rejected {
    }

    /** Authenticated: responses are signed with {@code key}. */
    public record Accepted(String username, String userId, byte[] key) implements Outcome {
    }

    /** 400, 401 or 438; 401 and 438 carry REALM and a fresh NONCE. */
    public record Rejected(int code, String reason) implements Outcome {
    }
}
