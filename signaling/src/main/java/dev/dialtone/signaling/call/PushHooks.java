package dev.dialtone.signaling.call;

import java.time.Clock;
import java.time.Duration;

/**
 * How the switchboard works with the app's push (dialtone.push): a call to a user with no
 * device waits {@code wakeWait} for one to connect, and every {@link CallEvent} goes to {@code sink}.
 *
 * @param wakeWait how long a call to a user with no socket waits; null: such a call fails USER_OFFLINE
 * @param sink  where call events go
 * @param clock wall-clock times of the events
 */
public record PushHooks(Duration wakeWait, CallEventSink sink, Clock clock) {

    /** No push: a call to a user with no socket fails at once and no event is reported. */
    public static final PushHooks OFF = new PushHooks(null, events -> CallEventSink.Receipt.DONE, Clock.systemUTC());

    /** Whether calls to users with no socket wait for a device to wake. */
    public boolean wakes() {
        return wakeWait != null;
    }
}
