package dev.dialtone.relay.stun;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.ice4j.attribute.FingerprintAttribute;
import org.ice4j.attribute.MessageIntegrityAttribute;

/**
 * MESSAGE-INTEGRITY (HMAC-SHA1) and FINGERPRINT over raw message bytes (RFC 8489 sections 14.5,
 * 14.7). Both cover the bytes before them with the header length patched to end just after
 * them, so they are computed on the wire form rather than through ice4j's encoder, which wants a
 * whole ICE {@code StunStack} to look keys up.
 */
public final class MessageIntegrity {

    private static final int MI_LENGTH = 20;
    private static final int FINGERPRINT_LENGTH = 4;

    private MessageIntegrity() {
    }

    /**
     * True when the message's MESSAGE-INTEGRITY is the HMAC-SHA1 of what precedes it under
     * {@code key}, and nothing but FINGERPRINT follows it.
     */
    public static boolean verify(byte[] message, byte[] key) {
        ByteBuffer buf = ByteBuffer.wrap(message);
        int mi = Stun.findAttribute(buf, 0, Stun.ATTR_MESSAGE_INTEGRITY);
        if (mi < 0 || Stun.attributeLength(buf, mi) != MI_LENGTH) {
            return false;
        }
        int end = Stun.HEADER_LENGTH + Stun.bodyLength(buf, 0);
        int after = mi + 4 + MI_LENGTH;
        if (after != end && !(after + 8 == end && Stun.attributeType(buf, after) == Stun.ATTR_FINGERPRINT)) {
            return false;
        }
        byte[] covered = Arrays.copyOf(message, mi);
        ByteBuffer.wrap(covered).putShort(2, (short) (after - Stun.HEADER_LENGTH));
        byte[] expected = MessageIntegrityAttribute.calculateHmacSha1(covered, 0, covered.length, key);
        return MessageDigest.isEqual(expected, Arrays.copyOfRange(message, mi + 4, after));
    }

    /**
     * Appends MESSAGE-INTEGRITY (when {@code key} is not null) and FINGERPRINT to an encoded
     * message that has neither yet.
     */
    public static byte[] seal(byte[] encoded, byte[] key) {
        int extra = (key == null ? 0 : 4 + MI_LENGTH) + 4 + FINGERPRINT_LENGTH;
        byte[] out = Arrays.copyOf(encoded, encoded.length + extra);
        ByteBuffer buf = ByteBuffer.wrap(out);
        int at = encoded.length;
        if (key != null) {
            buf.putShort(2, (short) (at + 4 + MI_LENGTH - Stun.HEADER_LENGTH));
            byte[] hmac = MessageIntegrityAttribute.calculateHmacSha1(out, 0, at, key);
            buf.putShort(at, (short) Stun.ATTR_MESSAGE_INTEGRITY).putShort(at + 2, (short) MI_LENGTH);
            buf.put(at + 4, hmac);
            at += 4 + MI_LENGTH;
        }
        buf.putShort(2, (short) (out.length - Stun.HEADER_LENGTH));
        byte[] crc = FingerprintAttribute.calculateXorCRC32(out, 0, at);
        buf.putShort(at, (short) Stun.ATTR_FINGERPRINT).putShort(at + 2, (short) FINGERPRINT_LENGTH);
        buf.put(at + 4, crc);
        return out;
    }
}
