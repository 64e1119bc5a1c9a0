package dev.dialtone.signaling.call;

import java.time.Instant;

/**
 * What the app's backend hears of a call (docs/signaling-protocol.md, "Waking a callee"): decided
 * under the switchboard's lock together with the socket events, and handed to a {@link CallEventSink}.
 */
public sealed interface CallEvent {

    /** The call the event is about. */
    String callId();

    /** A call waits for {@code to}, who has no connected device, until {@code expiresAt}. */
    record Incoming(String callId, String from, String to, CallType callType, Instant expiresAt)
            implements CallEvent {
    }

    /**
     * A call announced by {@link Incoming} will not be answered by a device still to wake:
     * {@code hangup}, {@code no-answer}, {@code answered}, {@code declined}, {@code disconnected}.
     */
    record Cancelled(String callId, String from, String to, String reason) implements CallEvent {
    }

    /** Any call's end, for history; {@code answeredAt} and {@code endedBy} may be null. */
    record Ended(String callId, String from, String to, CallType callType, Instant startedAt,
                 Instant answeredAt, Instant endedAt, String reason, String endedBy) implements CallEvent {
    }
}
