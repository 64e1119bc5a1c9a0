package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Data a client sends to a relayed address of this very relay (both parties of a call relay
 * through it) is handed to that allocation here, as if it had come back in from the network.
 * Behind a 1:1 NAT, the relay's packets to its own public address only come back if the NAT
 * hairpins them, and many cloud NATs do not: two relay-only clients could then never reach each
 * other. The receiving allocation sees the sender's relayed address as the peer and applies its
 * permissions and budget exactly as for a packet from the network.
 */
public final class Hairpin {

    private final Set<InetAddress> own;
    private final AllocationTable allocations;
    private final PeerPackets peerPackets;
    /**
     * The payload is copied behind the headroom PeerPackets builds its header in; one buffer per
     * client-reading thread, grown to the largest packet it has hairpinned.
     */
    private final ThreadLocal<ByteBuffer> buffers = new ThreadLocal<>();

    /** @param own the addresses relayed addresses are known by: the advertised (external) one and the bound one */
    public Hairpin(Set<InetAddress> own, AllocationTable allocations, PeerPackets peerPackets) {
        this.own = Set.copyOf(own);
        this.allocations = allocations;
        this.peerPackets = peerPackets;
    }

    /**
     * Delivers {@code payload} from {@code from}'s client to the allocation at {@code peer} when that
     * is one of this relay's; false when {@code peer} is someone else (send it over the network).
     */
    boolean deliver(Allocation from, ByteBuffer payload, InetSocketAddress peer) {
        if (!own.contains(peer.getAddress())) {
            return false;
        }
        Allocation to = allocations.atRelayedPort(peer.getPort());
        if (to == null) {
            return false;
        }
        int length = payload.remaining();
        ByteBuffer buffer = buffer(PeerPackets.HEADROOM + length + 3);
        buffer.clear().position(PeerPackets.HEADROOM);
        buffer.put(payload);
        peerPackets.relay(to, buffer, from.relayedAddress(), length);
        return true;
    }

    private ByteBuffer buffer(int capacity) {
        ByteBuffer buffer = buffers.get();
        if (buffer == null || buffer.capacity() < capacity) {
            buffer = ByteBuffer.allocate(Math.max(capacity, 2048));
            buffers.set(buffer);
        }
        return buffer;
    }
}
