package dev.dialtone.signaling.call;

import java.time.Duration;

/** The call session rules on one node's in-memory {@link Switchboard}. */
class SwitchboardContractTest extends CallSessionsContract {

    private TestNode node;

    @Override
    protected TestNode node(int index, Duration wakeWait) {
        if (node == null) {
            node = new TestNode(w -> new Switchboard(w.outbox(), w.timers(), RING_TIMEOUT, MAX_SOCKETS_PER_USER,
                    ICE_SERVERS, w.listener(), System::nanoTime, w.push()), Duration.ZERO, wakeWait);
        }
        return node;
    }
}
