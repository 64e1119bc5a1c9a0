package dev.dialtone.signaling.call;

import java.time.Duration;

/** The call session rules on one node's in-memory {@link Switchboard}. */
class SwitchboardContractTest extends CallSessionsContract {

    private final TestNode node = new TestNode(w -> new Switchboard(w.outbox(), w.timers(), RING_TIMEOUT,
            MAX_SOCKETS_PER_USER, ICE_SERVERS, w.listener(), System::nanoTime), Duration.ZERO);

    @Override
    protected TestNode node(int index) {
        return node;
    }
}
