package dev.dialtone.relay;

import dev.dialtone.relay.allocation.AllocationLimit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Running totals for metrics. {@link LongAdder} keeps the forwarding threads from contending on
 * one counter; readers get a sum that is exact once traffic stops.
 */
public final class RelayCounters {

    private final LongAdder streamQueuedBytes = new LongAdder();
    private final LongAdder relayedPackets = new LongAdder();
    private final LongAdder relayedBytes = new LongAdder();
    /** Indexed by {@link DropReason#ordinal()}. */
    private final LongAdder[] droppedPackets = new LongAdder[DropReason.values().length];
    /** Indexed by {@link AllocationLimit#ordinal()}. */
    private final LongAdder[] refusedAllocations = new LongAdder[AllocationLimit.values().length];
    private final IntSupplier allocations;

    public RelayCounters(IntSupplier allocations) {
        this.allocations = allocations;
        for (int i = 0; i < droppedPackets.length; i++) {
            droppedPackets[i] = new LongAdder();
        }
        for (int i = 0; i < refusedAllocations.length; i++) {
            refusedAllocations[i] = new LongAdder();
        }
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

    /** Packets dropped, for every reason. */
    public long droppedPackets() {
        long total = 0;
        for (LongAdder reason : droppedPackets) {
            total += reason.sum();
        }
        return total;
    }

    /** Packets dropped for {@code reason}. */
    public long droppedPackets(DropReason reason) {
        return droppedPackets[reason.ordinal()].sum();
    }

    /** Allocate requests answered 486 or 508 because {@code limit} was reached. */
    public long refusedAllocations(AllocationLimit limit) {
        return refusedAllocations[limit.ordinal()].sum();
    }

    public void refused(AllocationLimit limit) {
        refusedAllocations[limit.ordinal()].increment();
    }

    public void relayed(int payloadBytes) {
        relayedPackets.increment();
        relayedBytes.add(payloadBytes);
    }

    public void dropped(DropReason reason) {
        droppedPackets[reason.ordinal()].increment();
    }

    /**
     * Bytes waiting in TCP and TLS clients' write queues right now, all connections together: at
     * most 256 KiB each (clients that read more slowly than they are sent to hold the most).
     */
    public long streamQueuedBytes() {
        return streamQueuedBytes.sum();
    }

    /** {@code bytes} more (or, negative, fewer) wait in a stream client's write queue. */
    public void queuedForStreams(long bytes) {
        streamQueuedBytes.add(bytes);
    }
}
