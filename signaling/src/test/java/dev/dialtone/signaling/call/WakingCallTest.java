package dev.dialtone.signaling.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.signaling.protocol.CallEnded;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.ErrorMessage;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IncomingCall;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Calls to a user with no socket while push is on (dialtone.push): the switchboard's side. */
class WakingCallTest {

    private static final Map<String, String> OFFER = Map.of("type", "offer", "sdp", "v=0");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private static final List<IceServer> BOB_ICE = List.of(new IceServer(List.of("turn:x"), "1:bob", "pw"));

    private final List<Delivery> sent = new ArrayList<>();
    private final List<CallEvent> events = new ArrayList<>();
    private final ManualTimers timers = new ManualTimers();
    private Switchboard board;

    private final UUID alice = UUID.randomUUID();
    private final UUID bobPhone = UUID.randomUUID();
    private final UUID bobTablet = UUID.randomUUID();

    @BeforeEach
    void aliceOnlineBobAsleep() {
        board = new Switchboard(sent::addAll, timers, Duration.ofSeconds(45), 4,
                user -> List.of(new IceServer(List.of("turn:x"), "1:" + user, "pw")), CallListener.NONE, () -> 0L,
                new PushHooks(WAIT, published -> {
                    events.addAll(published);
                    return CallEventSink.Receipt.DONE;
                }, Clock.fixed(NOW, ZoneOffset.UTC)));
        assertTrue(board.connect(alice, "alice", TestNode.details()));
    }

    @Test
    void aCallToAUserWithNoSocketIsAnnouncedAndWaits() {
        String callId = board.placeCall(alice, "bob", CallType.VIDEO, OFFER);

        assertTrue(board.isWaking(callId));
        assertEquals(List.of(new CallEvent.Incoming(callId, "alice", "bob", CallType.VIDEO, NOW.plus(WAIT))), events);
        assertEquals(List.of(), sent);
        assertEquals(WAIT, timers.lastDelay);
    }

    @Test
    void everyDeviceThatWakesRingsOnceWithTheCallersOffer() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        wake(bobPhone);
        board.ringIfWaking(bobPhone);
        wake(bobTablet);

        IncomingCall incoming = new IncomingCall("alice", OFFER, "voice", callId, BOB_ICE);
        assertEquals(List.of(new Delivery(bobPhone, Events.INCOMING_CALL, incoming),
                new Delivery(bobTablet, Events.INCOMING_CALL, incoming)), sent);
    }

    @Test
    void aWokenDeviceThatDropsLeavesTheCallWaitingForAnother() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        wake(bobPhone);
        board.disconnect(bobPhone);
        sent.clear();

        wake(bobTablet);
        assertEquals(List.of(bobTablet), sent.stream().map(Delivery::socket).toList());
        assertEquals(1, board.stats().ringing());
    }

    @Test
    void answeringWithdrawsTheAnnouncementAndTheEndIsReportedWithWhoEndedIt() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        wake(bobPhone);
        events.clear();

        board.answer(bobPhone, "alice", OFFER);
        board.end(bobPhone, "alice");

        assertEquals(List.of(new CallEvent.Cancelled(callId, "alice", "bob", "answered"),
                new CallEvent.Ended(callId, "alice", "bob", CallType.VOICE, NOW, NOW, NOW, CallEnded.HANGUP, "bob")),
                events);
    }

    @Test
    void theWaitRunningOutCancelsWithNoAnswer() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        events.clear();

        timers.fireAll();

        assertEquals(List.of(new Delivery(alice, Events.CALL_ENDED, new CallEnded("bob", CallEnded.NO_ANSWER))), sent);
        assertEquals(List.of(new CallEvent.Cancelled(callId, "alice", "bob", CallEnded.NO_ANSWER),
                new CallEvent.Ended(callId, "alice", "bob", CallType.VOICE, NOW, null, NOW, CallEnded.NO_ANSWER, null)),
                events);
        assertEquals(0, board.stats().calls());
    }

    @Test
    void theCallerLeavingCancelsWithHisReason() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        events.clear();

        board.disconnect(alice);

        assertEquals(new CallEvent.Cancelled(callId, "alice", "bob", CallEnded.DISCONNECTED), events.get(0));
        assertEquals("alice", ((CallEvent.Ended) events.get(1)).endedBy());
    }

    @Test
    void aCalleeTheBackendCannotWakeIsOfflineForTheCallerWithoutACancel() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        events.clear();

        board.calleeUnreachable(callId);

        assertEquals(List.of(new Delivery(alice, Events.ERROR, new ErrorMessage("User is offline", ErrorCode.USER_OFFLINE))),
                sent);
        assertEquals(List.of(new CallEvent.Ended(callId, "alice", "bob", CallType.VOICE, NOW, null, NOW, "offline", null)),
                events);
        assertTrue(timers.allCancelled());
        assertFalse(board.isWaking(callId));
    }

    @Test
    void aDeviceAlreadyRingingOutlivesTheBackendsNo() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        wake(bobPhone);
        sent.clear();

        board.calleeUnreachable(callId);

        assertEquals(List.of(), sent);
        assertTrue(board.isWaking(callId));
    }

    @Test
    void aCallThatRangAtOnceDoesNotRingDevicesConnectingLater() {
        board.connect(bobPhone, "bob", TestNode.details());
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        wake(bobTablet);

        assertFalse(board.isWaking(callId));
        assertEquals(List.of(), sent);
    }

    /** A device of bob's connects (after its push) and has had its iceServers. */
    private void wake(UUID device) {
        assertTrue(board.connect(device, "bob", TestNode.details()));
        board.ringIfWaking(device);
    }
}
