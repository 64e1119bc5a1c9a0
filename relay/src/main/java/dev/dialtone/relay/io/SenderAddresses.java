package dev.dialtone.relay.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Turns the kernel's {@code sockaddr_in}/{@code sockaddr_in6} of a received datagram into an
 * {@link InetSocketAddress}, comparing bytes with the addresses seen before so that the same
 * sender costs no allocation: a relay hears the same few hundred clients and peers over and over.
 * One per loop; not thread-safe.
 */
final class SenderAddresses {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    /** {@code sizeof(struct sockaddr_in6)}, the larger of the two. */
    static final int SOCKADDR_SIZE = 28;

    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int SLOTS = 1024;

    // open addressing without probing: a colliding sender replaces the one before, which costs a decode
    private final long[] high = new long[SLOTS];
    private final long[] low = new long[SLOTS];
    private final long[] rest = new long[SLOTS];
    private final InetSocketAddress[] addresses = new InetSocketAddress[SLOTS];

    /** The address in {@code sockaddr}; null when it is of a family a UDP socket cannot deliver. */
    InetSocketAddress decode(MemorySegment sockaddr) {
        int family = sockaddr.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
        int port = Short.toUnsignedInt(sockaddr.get(NET_SHORT, 2));
        long h;
        long l;
        long r;
        if (family == AF_INET) {
            h = Integer.toUnsignedLong(sockaddr.get(NET_INT, 4));
            l = 0;
            r = port | (long) AF_INET << 16;
        } else if (family == AF_INET6) {
            h = sockaddr.get(NET_LONG, 8);
            l = sockaddr.get(NET_LONG, 16);
            r = port | (long) AF_INET6 << 16 | Integer.toUnsignedLong(sockaddr.get(ValueLayout.JAVA_INT_UNALIGNED, 24)) << 32;
        } else {
            return null;
        }
        int slot = slot(h, l, r);
        InetSocketAddress known = addresses[slot];
        if (known != null && high[slot] == h && low[slot] == l && rest[slot] == r) {
            return known;
        }
        InetSocketAddress fresh = new InetSocketAddress(address(sockaddr, family), port);
        high[slot] = h;
        low[slot] = l;
        rest[slot] = r;
        addresses[slot] = fresh;
        return fresh;
    }

    private static int slot(long h, long l, long r) {
        long mixed = (h * 0x9E3779B97F4A7C15L) ^ (l * 0xC2B2AE3D27D4EB4FL) ^ (r * 0x165667B19E3779F9L);
        return (int) (mixed >>> 54) & (SLOTS - 1);
    }

    private static InetAddress address(MemorySegment sockaddr, int family) {
        try {
            if (family == AF_INET) {
                return InetAddress.getByAddress(sockaddr.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE));
            }
            byte[] bytes = sockaddr.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
            int scope = sockaddr.get(ValueLayout.JAVA_INT_UNALIGNED, 24);
            // an IPv4-mapped address comes back as IPv4, as the JDK's own receive gives it
            return scope == 0 ? InetAddress.getByAddress(bytes) : Inet6Address.getByAddress(null, bytes, scope);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("the kernel gave an address of a wrong length", e);
        }
    }
}
