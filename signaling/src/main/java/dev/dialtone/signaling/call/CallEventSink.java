package dev.dialtone.signaling.call;

import java.util.List;

/**
 * Takes the {@link CallEvent}s of one switchboard decision. Called under the switchboard's lock,
 * before the decision's socket events are sent and its request acknowledged, so that what it
 * keeps is kept before anyone hears of the decision; it must not throw.
 */
@FunctionalInterface
public interface CallEventSink {

    void publish(List<CallEvent> events);
}
