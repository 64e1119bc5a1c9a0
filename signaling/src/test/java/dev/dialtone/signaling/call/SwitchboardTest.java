package dev.dialtone.signaling.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.signaling.protocol.CallEnded;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.SignalingException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What only the in-memory switchboard does: setup times from its clock, ring timers cancelled,
 * calls and sockets listed in order. The rules every implementation shares are in
 * {@link CallSessionsContract}.
 */
class SwitchboardTest {

    private static final Map<String, String> OFFER = Map.of("type", "offer", "sdp", "v=0");
    private static final Map<String, String> ANSWER = Map.of("type", "answer", "sdp", "v=0");
    private static final SocketDetails DETAILS = new SocketDetails("websocket", "127.0.0.1:40000",
            Instant.parse("2026-01-01T00:00:00Z"));

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
        assertTrue(board.connect(alice, "alice", DETAILS));
        assertTrue(board.connect(bobPhone, "bob", DETAILS));
        assertTrue(board.connect(bobLaptop, "bob", DETAILS));
        assertTrue(board.connect(carol, "carol", DETAILS));
    }

    @Test
    void callSetupIsTimedFromPlacingToAnsweringAndTheRingTimerIsCancelled() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER).callId();
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
    void manyCallsLeaveNoRingTimerBehind() {
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

    @Test
    void anOperatorEndingARingingCallCancelsItsRingTimer() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER).callId();
        sent.clear();

        assertTrue(board.endByOperator(callId));

        assertEquals(List.of(alice, bobPhone, bobLaptop), sockets(sent));
        assertTrue(timers.allCancelled());
        assertNothingLeft();
    }

    @Test
    void liveCallsAreListedOldestFirstUpToTheLimit() throws InterruptedException {
        Instant before = Instant.now();
        String first = board.placeCall(alice, "bob", CallType.VIDEO, OFFER).callId();
        board.answer(bobPhone, "alice", ANSWER);
        Thread.sleep(5); // a later wall-clock time for the second call
        UUID dave = UUID.randomUUID();
        board.connect(dave, "dave", DETAILS);
        String second = board.placeCall(carol, "dave", CallType.VOICE, OFFER).callId();

        LiveCalls all = board.calls(10);
        assertEquals(2, all.total());
        assertFalse(all.truncated());
        assertEquals(List.of(first, second), all.calls().stream().map(LiveCall::id).toList());
        LiveCall call = all.calls().get(0);
        assertEquals(List.of("alice", "bob", "video", "connected"), List.of(call.from(), call.to(), call.type(), call.state()));
        assertEquals("ringing", all.calls().get(1).state());
        assertTrue(!call.since().isBefore(before) && call.since().isBefore(all.calls().get(1).since()));
        assertTrue(!all.calls().get(1).since().isAfter(Instant.now()));

        LiveCalls one = board.calls(1);
        assertEquals(1, one.calls().size());
        assertEquals(2, one.total());
        assertTrue(one.truncated());
    }

    @Test
    void aUserShowsEverySocketAndTheCall() {
        String callId = board.placeCall(alice, "bob", CallType.VOICE, OFFER).callId();

        UserSessions bob = board.user("bob");
        assertEquals(List.of(new ConnectedSocket(bobPhone, null, DETAILS), new ConnectedSocket(bobLaptop, null, DETAILS)),
                bob.sockets());
        assertEquals(Optional.of(callId), bob.call().map(LiveCall::id));
        assertEquals(new UserSessions("nobody", List.of(), Optional.empty()), board.user("nobody"));
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
