package dev.dialtone.relay.stun;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The XOR-encoded transport address of XOR-PEER-ADDRESS and friends (RFC 8489 section 14.2),
 * read and written in place so that Send and Data indications need no message object.
 */
public final class XorAddress {
    // Inet4Address.hashCode() is the address as a big-endian int (true since JDK 1.0 and pinned by
    // XorAddressTest); using it keeps the per-packet path free of getAddress()'s array copy.

    private static final int FAMILY_IPV4 = 0x01;
    private static final int FAMILY_IPV6 = 0x02;

    private XorAddress() {
    }

    /** Bytes the value takes for this address: 8 for IPv4, 20 for IPv6. */
    public static int valueLength(InetAddress address) {
        return address instanceof Inet4Address ? 8 : 20;
    }

    /**
     * Decodes the attribute value at {@code value} of the message at {@code message}; null when
     * it is malformed.
     */
    public static InetSocketAddress decode(ByteBuffer buf, int message, int value, int valueLength) {
        if (valueLength != 8 && valueLength != 20) {
            return null; // before reading family and port: a shorter value may end the message
        }
        int family = buf.get(value + 1) & 0xFF;
        int port = portOf(buf, value);
        byte[] address;
        if (family == FAMILY_IPV4 && valueLength == 8) {
            address = new byte[4];
            int raw = buf.getInt(value + 4) ^ Stun.MAGIC_COOKIE;
            address[0] = (byte) (raw >>> 24);
            address[1] = (byte) (raw >>> 16);
            address[2] = (byte) (raw >>> 8);
            address[3] = (byte) raw;
        } else if (family == FAMILY_IPV6 && valueLength == 20) {
            address = new byte[16];
            for (int i = 0; i < 16; i++) {
                // cookie and transaction id are the 16 bytes from message+4 on
                address[i] = (byte) (buf.get(value + 4 + i) ^ buf.get(message + 4 + i));
            }
        } else {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** True when the attribute value encodes exactly {@code candidate}; allocates nothing. */
    public static boolean matches(ByteBuffer buf, int message, int value, int valueLength, InetSocketAddress candidate) {
        if (candidate == null || valueLength < 4 || portOf(buf, value) != candidate.getPort()) {
            return false;
        }
        InetAddress address = candidate.getAddress();
        if (address instanceof Inet4Address v4) {
            return valueLength == 8 && (buf.get(value + 1) & 0xFF) == FAMILY_IPV4
                    && (buf.getInt(value + 4) ^ Stun.MAGIC_COOKIE) == v4.hashCode();
        }
        return valueLength == 20 && (buf.get(value + 1) & 0xFF) == FAMILY_IPV6
                && candidate.equals(decode(buf, message, value, valueLength));
    }

    /**
     * Writes the attribute value for {@code address} at {@code value}; the transaction id of the
     * message at {@code message} must already be in place (IPv6 is XORed with it).
     */
    public static void write(ByteBuffer buf, int message, int value, InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        buf.put(value, (byte) 0);
        buf.putShort(value + 2, (short) (address.getPort() ^ (Stun.MAGIC_COOKIE >>> 16)));
        if (ip instanceof Inet4Address v4) {
            buf.put(value + 1, (byte) FAMILY_IPV4);
            buf.putInt(value + 4, v4.hashCode() ^ Stun.MAGIC_COOKIE);
        } else {
            buf.put(value + 1, (byte) FAMILY_IPV6);
            byte[] raw = ip.getAddress();
            for (int i = 0; i < 16; i++) {
                buf.put(value + 4 + i, (byte) (raw[i] ^ buf.get(message + 4 + i)));
            }
        }
    }

    private static int portOf(ByteBuffer buf, int value) {
        return (buf.getShort(value + 2) & 0xFFFF) ^ (Stun.MAGIC_COOKIE >>> 16);
    }
}
