package dev.dialtone.relay.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which peers a client may reach through the relay. An open relay that reaches loopback, the
 * operator's private network or multicast turns the TURN port into a way in, so every range that
 * is not globally routable is denied (as coturn's {@code denied-peer-ip} recommends) unless the
 * operator opens it on purpose.
 */
public final class PeerAddressPolicy {

    private static final List<Cidr> LOOPBACK = cidrs("127.0.0.0/8", "::1/128");

    /** Not globally reachable (IANA special-purpose registries), loopback aside. */
    private static final List<Cidr> RESERVED = cidrs(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "64:ff9b::/96", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16",
            "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8");

    private final List<Cidr> denied;
    private final List<Cidr> allowed;

    public PeerAddressPolicy(boolean allowLoopback, List<Cidr> allowed) {
        List<Cidr> deny = new ArrayList<>(RESERVED);
        if (!allowLoopback) {
            deny.addAll(LOOPBACK);
        }
        this.denied = List.copyOf(deny);
        this.allowed = List.copyOf(allowed);
    }

    /** True when a client may create a permission or channel towards {@code peer}. */
    public boolean permits(InetAddress peer) {
        for (Cidr range : allowed) {
            if (range.contains(peer)) {
                return true;
            }
        }
        for (Cidr range : denied) {
            if (range.contains(peer)) {
                return false;
            }
        }
        return true;
    }

    private static List<Cidr> cidrs(String... ranges) {
        return Stream.of(ranges).map(Cidr::parse).toList();
    }
}
