package dev.dialtone.relay.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The addresses UDP listeners bind to. A socket bound to the wildcard answers from whichever source
 * address the kernel picks for the reply, not necessarily the one the client sent to (a STUN request
 * to 127.0.0.1 may be answered from the host's other address), and clients such as Chromium drop
 * an answer from another address. Java's DatagramChannel cannot read a datagram's destination
 * (IP_PKTINFO), so a wildcard listen address is served by one socket per concrete address of the
 * host instead; addresses that appear after start need a restart.
 */
public final class UdpAddresses {

    private UdpAddresses() {
    }

    /** Concrete addresses stay as they are; 0.0.0.0 becomes every IPv4 address, :: every address. */
    public static Set<InetAddress> expand(List<InetAddress> listen) throws SocketException {
        Set<InetAddress> out = new LinkedHashSet<>();
        for (InetAddress address : listen) {
            if (!address.isAnyLocalAddress()) {
                out.add(address);
                continue;
            }
            boolean v6 = address instanceof Inet6Address;
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress local : Collections.list(nic.getInetAddresses())) {
                    // link-local IPv6 needs a scope no TURN URL carries
                    boolean usable = local instanceof Inet4Address || v6 && !local.isLinkLocalAddress();
                    if (usable) {
                        out.add(local);
                    }
                }
            }
        }
        return out;
    }
}
