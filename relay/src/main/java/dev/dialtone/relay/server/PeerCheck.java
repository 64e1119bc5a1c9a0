package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.policy.PeerAddressPolicy;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a client may open a permission or channel towards a peer (RFC 8656 sections 9.2 and
 * 11.2): the peer must be of the relayed address's family, and in a range the operator allows.
 */
public final class PeerCheck {

    private static final Logger log = LoggerFactory.getLogger(PeerCheck.class);

    private final PeerAddressPolicy policy;

    public PeerCheck(PeerAddressPolicy policy) {
        this.policy = policy;
    }

    /** The error answer, 443 across address families or 403 where the policy forbids; else null. */
    byte[] refusal(Exchange exchange, InetSocketAddress peer, Allocation allocation) {
        if (peer.getAddress() instanceof Inet4Address != allocation.relayedAddress().getAddress() instanceof Inet4Address) {
            return exchange.error(443, "Peer Address Family Mismatch");
        }
        if (!policy.permits(peer.getAddress())) {
            log.info("peer {} refused for user {}: address range not allowed", peer.getAddress().getHostAddress(),
                    allocation.userId());
            return exchange.error(403, "Forbidden");
        }
        return null;
    }
}
