package dev.dialtone.relay.server;

import dev.dialtone.relay.DropReason;
import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.ChannelBinding;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.io.DatagramSender;
import dev.dialtone.relay.io.ImmediateSender;
import dev.dialtone.relay.io.SendOutcomes;
import dev.dialtone.relay.stun.ChannelData;
import dev.dialtone.relay.stun.Stun;
import dev.dialtone.relay.stun.XorAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to one packet (UDP) or frame (TCP/TLS) from a client. Data towards a peer,
 * ChannelData and Send indications, is read in place and forwarded from the same buffer: decode
 * the few header fields, check allocation, channel, permission and budget, send. Anything else
 * that is STUN goes to the {@link RequestHandler}; the rest is dropped, counted by
 * {@link DropReason}.
 *
 * <p>Called by one thread per listener socket or TCP connection; holds no state of its own.
 */
public final class ClientPackets implements SendOutcomes<Allocation> {

    private static final Logger log = LoggerFactory.getLogger(ClientPackets.class);

    private final AllocationTable allocations;
    private final RequestHandler requests;
    private final RelayCounters counters;
    private final Clock clock;
    private final InternalErrors internalErrors;
    private final Hairpin hairpin;
    /** For the transports that have no sender of their own (TCP and TLS clients): stateless, so shared. */
    private final DatagramSender<Allocation> immediate = new ImmediateSender<>(this, "a stream client's");

    public ClientPackets(AllocationTable allocations, RequestHandler requests, RelayCounters counters, Clock clock,
                         Hairpin hairpin) {
        this.allocations = allocations;
        this.requests = requests;
        this.counters = counters;
        this.clock = clock;
        this.internalErrors = new InternalErrors(counters);
        this.hairpin = hairpin;
    }

    /**
     * Handles the {@code length} bytes at the start of {@code packet}, received on {@code from};
     * answers go to {@code client}. The buffer's position and limit are changed.
     *
     * @throws IOException when the answer cannot be sent to the client
     */
    public void onPacket(FiveTuple from, ByteBuffer packet, int length, ClientTransport client) throws IOException {
        Answer answer;
        try {
            answer = answerOrForward(from, packet, length, client);
            if (answer != null && answer.allocated() != null) {
                client.relayFor(answer.allocated()); // before the client hears of it: nothing is missed
            }
        } catch (RuntimeException e) {
            internalErrors.dropped(from, e);
            return;
        }
        if (answer != null) {
            client.send(ByteBuffer.wrap(answer.bytes()), from.client());
        }
    }

    /** Forwards data towards a peer, or returns the answer to a request; null when none is due. */
    private Answer answerOrForward(FiveTuple from, ByteBuffer packet, int length, ClientTransport client) {
        if (length >= ChannelData.HEADER_LENGTH && ChannelData.startsChannelData(packet.get(0))) {
            forwardChannelData(from, packet, length);
            return null;
        }
        if (!Stun.isMessage(packet, 0, length)) {
            counters.dropped(DropReason.MALFORMED);
            return null;
        }
        if (Stun.messageType(packet, 0) == Stun.SEND_INDICATION) {
            forwardSendIndication(from, packet);
            return null;
        }
        byte[] raw = new byte[Stun.HEADER_LENGTH + Stun.bodyLength(packet, 0)];
        packet.get(0, raw);
        Answer answer = requests.handle(from, raw, client);
        if (answer == null) {
            counters.dropped(DropReason.UNHANDLED_STUN);
        }
        return answer;
    }

    private void forwardChannelData(FiveTuple from, ByteBuffer packet, int length) {
        Allocation allocation = allocations.find(from);
        int dataLength = ChannelData.dataLength(packet, 0);
        long now = clock.millis();
        if (allocation == null) {
            counters.dropped(DropReason.NO_ALLOCATION);
            return;
        }
        if (dataLength > length - ChannelData.HEADER_LENGTH) {
            counters.dropped(DropReason.MALFORMED);
            return;
        }
        ChannelBinding channel = allocation.channel(ChannelData.channel(packet, 0), now);
        if (channel == null) {
            counters.dropped(DropReason.NO_CHANNEL);
            return;
        }
        if (!allocation.permits(channel.peer().getAddress(), now)) {
            counters.dropped(DropReason.NO_PERMISSION);
            return;
        }
        packet.limit(ChannelData.HEADER_LENGTH + dataLength).position(ChannelData.HEADER_LENGTH);
        toPeer(allocation, packet, channel.peer(), now);
    }

    private void forwardSendIndication(FiveTuple from, ByteBuffer packet) {
        Allocation allocation = allocations.find(from);
        int peerAttribute = Stun.findAttribute(packet, 0, Stun.ATTR_XOR_PEER_ADDRESS);
        int dataAttribute = Stun.findAttribute(packet, 0, Stun.ATTR_DATA);
        if (allocation == null) {
            counters.dropped(DropReason.NO_ALLOCATION);
            return;
        }
        if (peerAttribute < 0 || dataAttribute < 0) {
            counters.dropped(DropReason.MALFORMED);
            return;
        }
        int peerLength = Stun.attributeLength(packet, peerAttribute);
        InetSocketAddress peer = allocation.lastSendPeer();
        if (!XorAddress.matches(packet, 0, peerAttribute + 4, peerLength, peer)) {
            peer = XorAddress.decode(packet, 0, peerAttribute + 4, peerLength);
            allocation.rememberSendPeer(peer);
        }
        long now = clock.millis();
        if (peer == null) {
            counters.dropped(DropReason.MALFORMED);
            return;
        }
        if (!allocation.permits(peer.getAddress(), now)) {
            counters.dropped(DropReason.NO_PERMISSION);
            return;
        }
        int data = dataAttribute + 4;
        packet.limit(data + Stun.attributeLength(packet, dataAttribute)).position(data);
        toPeer(allocation, packet, peer, now);
    }

    private void toPeer(Allocation allocation, ByteBuffer payload, InetSocketAddress peer, long now) {
        int bytes = payload.remaining();
        if (!allocation.toPeer().tryPass(bytes, now)) {
            counters.dropped(DropReason.BANDWIDTH);
            return;
        }
        if (hairpin.deliver(allocation, payload, peer)) {
            counters.relayed(bytes);
            allocation.sentToPeer(bytes);
            return;
        }
        try {
            allocation.client().toPeers(immediate).send(allocation.relaySocket(), payload, peer, allocation);
        } catch (ClosedChannelException e) {
            counters.dropped(DropReason.ALLOCATION_CLOSED);
        }
    }

    /** Counted when the kernel took it: at once, or after the batch it came in with. */
    @Override
    public void sent(Allocation allocation, int bytes) {
        counters.relayed(bytes);
        allocation.sentToPeer(bytes);
    }

    @Override
    public void refused(Allocation allocation, int bytes, String why) {
        counters.dropped(DropReason.SEND_FAILED);
        log.debug("{}: sending to a peer failed: {}", allocation, why);
    }
}
