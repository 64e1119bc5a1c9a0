package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.stun.StunRequest;
import java.net.InetSocketAddress;
import java.time.Clock;

/** A CreatePermission request (RFC 8656 section 9.2). */
public final class CreatePermissionHandler implements AllocationMethod {

    private final PeerCheck peers;
    private final Clock clock;

    public CreatePermissionHandler(PeerCheck peers, Clock clock) {
        this.peers = peers;
        this.clock = clock;
    }

    @Override
    public byte[] answer(Exchange exchange, StunRequest request, Allocation allocation) {
        // at least one XOR-PEER-ADDRESS, all of them readable
        if (request.peers().isEmpty() || request.malformedPeer()) {
            return exchange.error(400, "Bad Request");
        }
        // every peer allowed (443, 403) before any permission is installed: all or nothing
        for (InetSocketAddress peer : request.peers()) {
            byte[] refused = peers.refusal(exchange, peer, allocation);
            if (refused != null) {
                return refused;
            }
        }
        // install or refresh a permission per peer IP (ports do not matter), up to the cap
        long now = clock.millis();
        for (InetSocketAddress peer : request.peers()) {
            if (!allocation.permit(peer.getAddress(), now)) {
                return exchange.error(508, "Insufficient Capacity");
            }
        }
        return exchange.success();
    }
}
