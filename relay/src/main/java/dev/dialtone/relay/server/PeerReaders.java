package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.Allocation;
import java.time.Clock;

/** Starts the {@link PeerReader} loop of each new allocation on its own thread. */
public final class PeerReaders {

    private final Workers workers;
    private final RelayCounters counters;
    private final Clock clock;

    public PeerReaders(Workers workers, RelayCounters counters, Clock clock) {
        this.workers = workers;
        this.counters = counters;
        this.clock = clock;
    }

    public void start(Allocation allocation) {
        workers.start("relay-peer-" + allocation.relayedAddress().getPort(), new PeerReader(allocation, counters, clock));
    }
}
