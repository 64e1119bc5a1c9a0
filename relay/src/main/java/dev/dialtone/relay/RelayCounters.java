package dev.dialtone.relay;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Running totals for metrics. {@link LongAdder} keeps the forwarding threads from contending on
 * one counter; readers get a sum that is exact once traffic stops.
 */
public final class RelayCounters {

    private final LongAdder relayedPackets = new LongAdder();
    private final LongAdder relayedBytes = new LongAdder();
    private final LongAdder droppedPackets = new LongAdder();
    private final IntSupplier allocations;

    public RelayCounters(IntSupplier allocations) {
        this.allocations = allocations;
    }

    /** Allocations live right now. */
    public int allocations() {
        return allocations.getAsInt();
    }

    /** Application packets relayed, both directions. */
    public long relayedPackets() {
        return relayedPackets.sum();
    }

    /** Application payload bytes relayed, both directions, without STUN/ChannelData headers. */
    public long relayedBytes() {
        return relayedBytes.sum();
    }

    /**
     * Packets dropped: malformed, for no allocation, channel or permission, or over the bandwidth
     * cap.
     */
    public long droppedPackets() {
        return droppedPackets.sum();
    }

    public void relayed(int payloadBytes) {
        relayedPackets.increment();
        relayedBytes.add(payloadBytes);
    }

    public void dropped() {
        droppedPackets.increment();
    }
}
