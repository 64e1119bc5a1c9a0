package dev.dialtone.signaling.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.signaling.protocol.CallEnded;
import dev.dialtone.signaling.protocol.CallRejected;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IncomingCall;
import dev.dialtone.signaling.protocol.RelayedCandidate;
import dev.dialtone.signaling.protocol.SignalingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SwitchboardTest {

    private static final Map<String, String> OFFER = Map.of("type", "offer", "sdp", "v=0");
    private static final Map<String, String> ANSWER = Map.of("type", "answer", "sdp", "v=0");

    private final List<Delivery> sent = new ArrayList<>();
    private final List<String> ended = new ArrayList<>();
    private final List<Duration> connected = new ArrayList<>();
    private long clock;
    private final ManualTimers timers = new ManualTimers();
    private Switchboard board;

    private final UUID alice = UUID.randomUUID();
    private final UUID bobPhone = UUID.randomUUID();
    private final UUID bobLaptop = UUID.randomUUID();
    private final UUID carol = UUID.randomUUID();

    @BeforeEach
    void connectEveryone() {
        board = new Switchboard(sent::addAll, timers, Duration.ofSeconds(45), 4,
                user -> List.of(new IceServer(List.of("turn:x"), "1:" + user, "pw")), new CallListener() {
                    @Override
                    public void connected(Duration setup) {
                        connected.add(setup);
                    }

                    @Override
                    public void ended(String reason) {
                        ended.add(reason);
                    }
                }, () -> clock);
        assertTrue(board.connect(alice, "alice"));
        assertTrue(board.connect(bobPhone, "bob"));
        assertTrue(board.connect(bobLaptop, "bob"));
        assertTrue(board.connect(carol, "carol"));
    }

    @Test
    void everyDeviceOfTheCalleeRingsWithCredentialsForTheCallee() {
        String callId = board.placeCall(alice, "bob", CallType.VIDEO, OFFER);

        assertEquals(List.of(bobPhone, bobLaptop), sockets(sent));
        IncomingCall incoming = (IncomingCall) sent.get(0).payload();
        assertEquals(new IncomingCall("alice", OFFER, "video", callId,
                List.of(new IceServer(List.of("turn:x"), "1:bob", "pw"))), incoming);
        assertEquals(Duration.ofSeconds(45), timers.lastDelay);
    }

    @Test
    void firstAnswerWinsAndTheOtherDevicesStopRinging() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();
        clock += 1_500_000_000L;

        assertEquals(callId, board.answer(bobLaptop, "alice", ANSWER));
        assertEquals(List.of(Duration.ofMillis(1500)), connected);

        assertEquals(List.of(
                new Delivery(bobPhone, "callEnded", new CallEnded("alice", "answered-elsewhere")),
                new Delivery(alice, "callAccepted", ANSWER)), sent);
        assertTrue(timers.allCancelled());
        assertCode(ErrorCode.NOT_IN_CALL, () -> board.answer(bobPhone, "alice", ANSWER));
    }

    @Test
    void hangupReachesOnlyTheAnsweringDeviceAndFreesBothUsers() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        board.answer(bobPhone, "alice", ANSWER);
        sent.clear();

        board.end(alice, "bob");

        assertEquals(List.of(new Delivery(bobPhone, "callEnded", new CallEnded("alice", "hangup"))), sent);
        assertEquals(List.of("hangup"), ended);
        assertNothingLeft();
        board.placeCall(carol, "bob", CallType.VOICE, OFFER);
    }

    @Test
    void calleeHangsUpAConnectedCall() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        board.answer(bobPhone, "alice", ANSWER);
        sent.clear();

        board.end(bobPhone, "alice");

        assertEquals(List.of(new Delivery(alice, "callEnded", new CallEnded("bob", "hangup"))), sent);
        assertNothingLeft();
    }

    @Test
    void callerCancelsWhileRinging() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        board.end(alice, "bob");

        assertEquals(List.of(bobPhone, bobLaptop), sockets(sent));
        assertTrue(sent.stream().allMatch(d -> d.payload().equals(new CallEnded("alice", "hangup"))));
        assertNothingLeft();
    }

    @Test
    void rejectDeclinesToTheCallerAndSilencesTheOtherDevices() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        board.reject(bobPhone, "alice");

        assertEquals(List.of(
                new Delivery(alice, "callRejected", new CallRejected("bob", "declined")),
                new Delivery(bobLaptop, "callEnded", new CallEnded("alice", "answered-elsewhere"))), sent);
        assertNothingLeft();
    }

    @Test
    void endCallFromARingingDeviceIsAReject() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        board.end(bobLaptop, "alice");

        assertEquals(new Delivery(alice, "callRejected", new CallRejected("bob", "declined")), sent.get(0));
        assertNothingLeft();
    }

    @Test
    void busyCalleeIsRejectedAsBusyWithoutRinging() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        assertCode(ErrorCode.BUSY, () -> board.placeCall(carol, "bob", CallType.VOICE, OFFER));

        assertEquals(List.of(new Delivery(carol, "callRejected", new CallRejected("bob", "busy"))), sent);
        assertEquals(List.of("busy"), ended);
    }

    @Test
    void aCallerAlreadyInACallIsBusy() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        assertCode(ErrorCode.BUSY, () -> board.placeCall(alice, "carol", CallType.VOICE, OFFER));
        assertTrue(sent.isEmpty());
    }

    @Test
    void offlineAndSelfCallsAreRefused() {
        SignalingException offline = assertThrows(SignalingException.class,
                () -> board.placeCall(alice, "dave", CallType.VOICE, OFFER));
        assertEquals(ErrorCode.USER_OFFLINE, offline.code());
        assertEquals("User is offline", offline.getMessage());
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> board.placeCall(alice, "alice", CallType.VOICE, OFFER));
        assertNothingLeft();
    }

    @Test
    void ringTimeoutEndsTheCallForBothSidesAsNoAnswer() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        timers.fireAll();

        assertEquals(List.of(
                new Delivery(alice, "callEnded", new CallEnded("bob", "no-answer")),
                new Delivery(bobPhone, "callEnded", new CallEnded("alice", "no-answer")),
                new Delivery(bobLaptop, "callEnded", new CallEnded("alice", "no-answer"))), sent);
        assertEquals(List.of("no-answer"), ended);
        assertNothingLeft();
    }

    @Test
    void aTimeoutThatFiresAfterTheAnswerChangesNothing() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        board.answer(bobPhone, "alice", ANSWER);
        sent.clear();

        timers.fireAll();

        assertTrue(sent.isEmpty());
        assertEquals(1, board.stats().calls());
    }

    @Test
    void callerDisconnectingEndsTheCallForTheCallee() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        board.answer(bobPhone, "alice", ANSWER);
        sent.clear();

        board.disconnect(alice);

        assertEquals(List.of(new Delivery(bobPhone, "callEnded", new CallEnded("alice", "disconnected"))), sent);
        assertNothingLeft();
        assertEquals(Map.of("alice", false, "bob", true), board.online(List.of("alice", "bob")));
    }

    @Test
    void ringingCallEndsOnlyWhenTheLastRingingDeviceIsGone() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        board.disconnect(bobPhone);
        assertTrue(sent.isEmpty());
        board.disconnect(bobLaptop);

        assertEquals(List.of(new Delivery(alice, "callEnded", new CallEnded("bob", "disconnected"))), sent);
        assertNothingLeft();
    }

    @Test
    void aDeviceOutsideTheCallDisconnectingChangesNothing() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        board.answer(bobPhone, "alice", ANSWER);
        sent.clear();

        board.disconnect(bobLaptop);

        assertTrue(sent.isEmpty());
        assertEquals(1, board.stats().calls());
    }

    @Test
    void candidatesFlowOnlyBetweenTheParties() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();
        board.relayCandidate(alice, "bob", "candidate:1");
        assertEquals(List.of(bobPhone, bobLaptop), sockets(sent));
        assertEquals(new RelayedCandidate("alice", "candidate:1"), sent.get(0).payload());

        board.answer(bobPhone, "alice", ANSWER);
        sent.clear();
        board.relayCandidate(bobPhone, "alice", "candidate:2");
        assertEquals(List.of(new Delivery(alice, "iceCandidate", new RelayedCandidate("bob", "candidate:2"))), sent);

        assertCode(ErrorCode.NOT_IN_CALL, () -> board.relayCandidate(carol, "bob", "candidate:3"));
        assertCode(ErrorCode.NOT_IN_CALL, () -> board.relayCandidate(bobLaptop, "alice", "candidate:4"));
        assertCode(ErrorCode.NOT_IN_CALL, () -> board.relayCandidate(alice, "carol", "candidate:5"));
        assertCode(ErrorCode.NOT_IN_CALL, () -> board.end(carol, "alice"));
    }

    @Test
    void shuttingDownEndsEveryCallForBothParties() {
        board.placeCall(alice, "bob", CallType.VOICE, OFFER);
        sent.clear();

        board.endAll();

        assertEquals(List.of(
                new Delivery(alice, "callEnded", new CallEnded("bob", "disconnected")),
                new Delivery(bobPhone, "callEnded", new CallEnded("alice", "disconnected")),
                new Delivery(bobLaptop, "callEnded", new CallEnded("alice", "disconnected"))), sent);
        assertNothingLeft();
    }

    @Test
    void tooManySocketsForOneUserAreRefused() {
        assertTrue(board.connect(UUID.randomUUID(), "bob"));
        assertTrue(board.connect(UUID.randomUUID(), "bob"));
        assertFalse(board.connect(UUID.randomUUID(), "bob"));
    }

    @Test
    void unknownSocketsAreUnauthorized() {
        assertCode(ErrorCode.UNAUTHORIZED, () -> board.placeCall(UUID.randomUUID(), "bob", CallType.VOICE, OFFER));
    }

    @Test
    void manyCallsLeaveNothingBehind() {
        for (int i = 0; i < 1000; i++) {
            board.placeCall(alice, "bob", CallType.VOICE, OFFER);
            switch (i % 4) {
                case 0 -> board.reject(bobPhone, "alice");
                case 1 -> timers.fireAll();
                case 2 -> {
                    board.answer(bobLaptop, "alice", ANSWER);
                    board.end(bobLaptop, "alice");
                }
                default -> board.end(alice, "bob");
            }
        }
        assertNothingLeft();
        assertEquals(0, timers.pending());
    }

    private void assertNothingLeft() {
        Switchboard.Stats stats = board.stats();
        assertEquals(0, stats.calls());
        assertEquals(0, stats.usersInCalls());
    }

    private static List<UUID> sockets(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::socket).toList();
    }

    private static void assertCode(ErrorCode code, Executable action) {
        SignalingException e = assertThrows(SignalingException.class, action);
        assertEquals(code, e.code());
    }
}
