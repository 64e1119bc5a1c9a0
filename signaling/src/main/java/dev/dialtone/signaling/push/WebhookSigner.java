package dev.dialtone.signaling.push;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures (standardwebhooks.com): {@code v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">} with the key in a {@code whsec_<base64>} secret.
 */
final class WebhookSigner {

    private static final String PREFIX = "whsec_";
    /** Standard Webhooks asks for 24 to 64 random bytes. */
    private static final int MIN_KEY_BYTES = 24;

    private final SecretKeySpec key;

    WebhookSigner(String secret) {
        this.key = new SecretKeySpec(check(secret), "HmacSHA256");
    }

    /** The key bytes of a well-formed secret; a clear error for anything else (never echoing it). */
    static byte[] check(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("dialtone.push.webhook-url is set but no secret is:"
                    + " set env DIALTONE_PUSH_SECRET to whsec_<base64 of 24-64 random bytes>");
        }
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("dialtone.push.secret must start with whsec_");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dialtone.push.secret: what follows whsec_ is not base64");
        }
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("dialtone.push.secret is too short: at least " + MIN_KEY_BYTES + " bytes");
        }
        return bytes;
    }

    /** The {@code webhook-signature} header value for one attempt. */
    String sign(String id, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
