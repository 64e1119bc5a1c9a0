package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.stun.ChannelData;
import dev.dialtone.relay.stun.StunRequest;
import java.net.InetSocketAddress;
import java.time.Clock;

/** A ChannelBind request (RFC 8656 section 11.2). */
public final class ChannelBindHandler implements AllocationMethod {

    private final PeerCheck peers;
    private final Clock clock;

    public ChannelBindHandler(PeerCheck peers, Clock clock) {
        this.peers = peers;
        this.clock = clock;
    }

    @Override
    public byte[] answer(Exchange exchange, StunRequest request, Allocation allocation) {
        // a CHANNEL-NUMBER in the channel range and a readable XOR-PEER-ADDRESS
        if (request.channelNumber().isEmpty() || !ChannelData.isValidChannel(request.channelNumber().getAsInt())
                || request.peers().isEmpty() || request.malformedPeer()) {
            return exchange.error(400, "Bad Request");
        }
        // the peer allowed, as for CreatePermission (443, 403)
        InetSocketAddress peer = request.peers().get(0);
        byte[] refused = peers.refusal(exchange, peer, allocation);
        if (refused != null) {
            return refused;
        }
        // bind or refresh the channel and the peer's permission; a number bound to another peer,
        // or a peer bound to another number, is 400
        return switch (allocation.bind(request.channelNumber().getAsInt(), peer, clock.millis())) {
            case BOUND -> exchange.success();
            case CONFLICT -> exchange.error(400, "Bad Request");
            case FULL -> exchange.error(508, "Insufficient Capacity");
        };
    }
}
