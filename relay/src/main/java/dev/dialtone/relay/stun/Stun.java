package dev.dialtone.relay.stun;

import java.nio.ByteBuffer;

/**
 * STUN wire facts (RFC 8489 section 5) read straight from a buffer, for the places where decoding a
 * whole message would cost too much (the forwarding path) or where the raw bytes matter
 * (MESSAGE-INTEGRITY covers bytes, not attributes). All offsets are absolute buffer indexes.
 */
public final class Stun {

    public static final int HEADER_LENGTH = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;
    public static final int TRANSACTION_ID_LENGTH = 12;

    public static final int SEND_INDICATION = 0x0016;
    public static final int DATA_INDICATION = 0x0017;

    public static final int ATTR_USERNAME = 0x0006;
    public static final int ATTR_MESSAGE_INTEGRITY = 0x0008;
    public static final int ATTR_XOR_PEER_ADDRESS = 0x0012;
    public static final int ATTR_DATA = 0x0013;
    public static final int ATTR_FINGERPRINT = 0x8028;

    private Stun() {
    }

    /**
     * True when the {@code length} bytes at {@code offset} are framed as one STUN message: the two
     * top bits zero, the magic cookie, and a 4-aligned body length that fits. Content is not checked.
     */
    public static boolean isMessage(ByteBuffer buf, int offset, int length) {
        return length >= HEADER_LENGTH
                && (buf.get(offset) & 0xC0) == 0
                && buf.getInt(offset + 4) == MAGIC_COOKIE
                && (bodyLength(buf, offset) & 3) == 0
                && HEADER_LENGTH + bodyLength(buf, offset) <= length;
    }

    public static int messageType(ByteBuffer buf, int offset) {
        return buf.getShort(offset) & 0xFFFF;
    }

    public static int bodyLength(ByteBuffer buf, int offset) {
        return buf.getShort(offset + 2) & 0xFFFF;
    }

    /**
     * The absolute index of the first attribute of {@code type} in the message at {@code message},
     * or -1.
     */
    public static int findAttribute(ByteBuffer buf, int message, int type) {
        for (int at = firstAttribute(buf, message); at >= 0; at = nextAttribute(buf, message, at)) {
            if (attributeType(buf, at) == type) {
                return at;
            }
        }
        return -1;
    }

    /** The index of the message's first attribute, or -1 when it has none that fits. */
    public static int firstAttribute(ByteBuffer buf, int message) {
        return fitting(buf, message, message + HEADER_LENGTH);
    }

    /** The index of the attribute after the one at {@code at}, or -1 at the end. */
    public static int nextAttribute(ByteBuffer buf, int message, int at) {
        return fitting(buf, message, at + 4 + padded(attributeLength(buf, at)));
    }

    /** {@code at} when an attribute starts there and its value ends inside the message, else -1. */
    private static int fitting(ByteBuffer buf, int message, int at) {
        int end = message + HEADER_LENGTH + bodyLength(buf, message);
        return at + 4 <= end && at + 4 + attributeLength(buf, at) <= end ? at : -1;
    }

    public static int attributeType(ByteBuffer buf, int attribute) {
        return buf.getShort(attribute) & 0xFFFF;
    }

    public static int attributeLength(ByteBuffer buf, int attribute) {
        return buf.getShort(attribute + 2) & 0xFFFF;
    }

    /** Rounds up to the 4-byte boundary that attributes (and ChannelData over TCP) are padded to. */
    public static int padded(int length) {
        return (length + 3) & ~3;
    }
}
