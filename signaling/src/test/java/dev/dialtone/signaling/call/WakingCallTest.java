package dev.dialtone.signaling.call;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.signaling.protocol.IceServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What only the one-node switchboard does with a waking call: its wait timer is called off when
 * the call ends early (RedisCallSessions lets its timers run into a no-op instead). The rules of
 * waking calls themselves are in {@link CallSessionsContract}, run on both implementations.
 */
class WakingCallTest {

    @Test
    void aCalleeTheBackendCannotWakeCallsOffTheWait() {
        ManualTimers timers = new ManualTimers();
        Switchboard board = new Switchboard(deliveries -> { }, timers, Duration.ofSeconds(45), 4,
                user -> List.<IceServer>of(), CallListener.NONE, () -> 0L,
                new PushHooks(Duration.ofSeconds(30), events -> CallEventSink.Receipt.DONE, Clock.systemUTC()));
        UUID alice = UUID.randomUUID();
        assertTrue(board.connect(alice, "alice", TestNode.details()));
        String callId = board.placeCall(alice, "bob", CallType.VOICE, Map.of("type", "offer", "sdp", "v=0")).callId();

        board.calleeUnreachable(callId);

        assertTrue(timers.allCancelled());
    }
}
