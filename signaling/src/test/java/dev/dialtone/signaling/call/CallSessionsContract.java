package dev.dialtone.signaling.call;

import static dev.dialtone.signaling.call.TestNode.NOW;
import static dev.dialtone.signaling.call.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.ErrorMessage;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.SignalingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.function.Executable;

/**
 * The call session rules of docs/signaling-protocol.md, written once and run against every
 * {@link CallSessions}: {@code SwitchboardContractTest} (one node, in memory) and
 * {@code RedisCallSessionsContractTest} (two nodes sharing a real redis-server, the users spread
 * over both so that every rule is also a rule across nodes). What is asserted is what the
 * clients read: the events their sockets get and the codes their requests are refused with; and,
 * for the tests tagged {@value #PUSH} (nodes built with push on), what the app's backend hears.
 */
public abstract class CallSessionsContract {

    protected static final Map<String, String> OFFER = Map.of("type", "offer", "sdp", "v=0");
    protected static final Map<String, String> ANSWER = Map.of("type", "answer", "sdp", "v=0");
    protected static final Duration RING_TIMEOUT = Duration.ofSeconds(45);
    /** Tests with this tag run on nodes with push on (dialtone.push), waiting this long for a device to wake. */
    protected static final String PUSH = "push";
    protected static final Duration WAKE_WAIT = Duration.ofSeconds(30);
    protected static final int MAX_SOCKETS_PER_USER = 4;
    /** Every callee gets TURN credentials of its own. */
    protected static final Function<String, List<IceServer>> ICE_SERVERS =
            user -> List.of(new IceServer(List.of("turn:x"), "1:" + user, "pw"));

    private final Map<UUID, TestNode> nodeOf = new HashMap<>();
    private TestNode a;
    private TestNode b;
    private UUID alice;
    private UUID bobPhone;
    private UUID bobLaptop;
    private UUID carol;

    /**
     * Node 0 and node 1 of the implementation, the same one where there is only one; built at the
     * first call with push on when {@code wakeWait} is not null.
     */
    protected abstract TestNode node(int index, Duration wakeWait);

    @BeforeEach
    void connectEveryone(TestInfo test) {
        Duration wakeWait = test.getTags().contains(PUSH) ? WAKE_WAIT : null;
        a = node(0, wakeWait);
        b = node(1, wakeWait);
        alice = connect(a, "alice");
        bobPhone = connect(b, "bob");
        bobLaptop = connect(a, "bob");
        carol = connect(b, "carol");
    }

    @Test
    void everyDeviceOfTheCalleeRingsWithCredentialsForTheCallee() throws Exception {
        String callId = place(alice, "bob", CallType.VIDEO);

        JsonNode expected = json(Map.of("from", "alice", "signalData", OFFER, "callType", "video", "callId", callId,
                "iceServers", List.of(Map.of("urls", List.of("turn:x"), "username", "1:bob", "credential", "pw"))));
        assertEquals(expected, next(bobPhone, "incomingCall"));
        assertEquals(expected, next(bobLaptop, "incomingCall"));
        assertEquals(RING_TIMEOUT, a.timers.lastDelay(), "the ring timeout runs where the call was placed");
        assertNothingFor(alice, carol);
    }

    @Test
    void firstAnswerWinsAndTheOtherDevicesStopRinging() throws Exception {
        String callId = ring(alice, "bob");

        assertEquals(callId, sessions(bobLaptop).answer(bobLaptop, "alice", ANSWER));

        assertEquals(json(ANSWER), next(alice, "callAccepted"));
        assertEquals(ended("alice", "answered-elsewhere"), next(bobPhone, "callEnded"));
        assertCode(ErrorCode.NOT_IN_CALL, () -> sessions(bobPhone).answer(bobPhone, "alice", ANSWER));
        assertNothingFor(bobLaptop);
    }

    @Test
    void hangupReachesOnlyTheAnsweringDeviceAndFreesBothUsers() throws Exception {
        connectedCall(alice, "bob", bobPhone);

        sessions(alice).end(alice, "bob");

        assertEquals(ended("alice", "hangup"), next(bobPhone, "callEnded"));
        assertNothingFor(alice, bobLaptop);
        assertEquals(List.of("hangup"), endedReasons());
        assertNothingLeft();
        assertCanCall(carol, "bob");
    }

    @Test
    void calleeHangsUpAConnectedCall() throws Exception {
        connectedCall(alice, "bob", bobPhone);

        sessions(bobPhone).end(bobPhone, "alice");

        assertEquals(ended("bob", "hangup"), next(alice, "callEnded"));
        assertNothingFor(bobPhone, bobLaptop);
        assertNothingLeft();
    }

    @Test
    void callerCancelsWhileRinging() throws Exception {
        ring(alice, "bob");

        sessions(alice).end(alice, "bob");

        assertEquals(ended("alice", "hangup"), next(bobPhone, "callEnded"));
        assertEquals(ended("alice", "hangup"), next(bobLaptop, "callEnded"));
        assertNothingLeft();
    }

    @Test
    void rejectDeclinesToTheCallerAndSilencesTheOtherDevices() throws Exception {
        ring(alice, "bob");

        sessions(bobPhone).reject(bobPhone, "alice");

        assertEquals(json(Map.of("from", "bob", "reason", "declined")), next(alice, "callRejected"));
        assertEquals(ended("alice", "answered-elsewhere"), next(bobLaptop, "callEnded"));
        assertNothingFor(bobPhone);
        assertNothingLeft();
    }

    @Test
    void endCallFromARingingDeviceIsAReject() throws Exception {
        ring(alice, "bob");

        sessions(bobLaptop).end(bobLaptop, "alice");

        assertEquals(json(Map.of("from", "bob", "reason", "declined")), next(alice, "callRejected"));
        assertEquals(ended("alice", "answered-elsewhere"), next(bobPhone, "callEnded"));
        assertNothingLeft();
    }

    @Test
    void busyCalleeIsRejectedAsBusyWithoutRinging() throws Exception {
        ring(alice, "bob");

        assertCode(ErrorCode.BUSY, () -> place(carol, "bob", CallType.VOICE));

        assertEquals(json(Map.of("from", "bob", "reason", "busy")), next(carol, "callRejected"));
        assertNothingFor(bobPhone, bobLaptop);
        assertEquals(List.of("busy"), endedReasons());
    }

    @Test
    void aCallerAlreadyInACallIsBusy() throws Exception {
        ring(alice, "bob");

        assertCode(ErrorCode.BUSY, () -> place(alice, "carol", CallType.VOICE));

        assertNothingFor(carol);
    }

    @Test
    void offlineAndSelfCallsAreRefused() throws Exception {
        SignalingException offline = assertThrows(SignalingException.class, () -> place(alice, "dave", CallType.VOICE));
        assertEquals(ErrorCode.USER_OFFLINE, offline.code());
        assertEquals("User is offline", offline.getMessage());
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> place(alice, "alice", CallType.VOICE));
        assertNothingLeft();
    }

    @Test
    void ringTimeoutEndsTheCallForBothSidesAsNoAnswer() throws Exception {
        ring(alice, "bob");

        fireRingTimers();

        assertEquals(ended("bob", "no-answer"), next(alice, "callEnded"));
        assertEquals(ended("alice", "no-answer"), next(bobPhone, "callEnded"));
        assertEquals(ended("alice", "no-answer"), next(bobLaptop, "callEnded"));
        assertEquals(List.of("no-answer"), endedReasons());
        assertCode(ErrorCode.NOT_IN_CALL, () -> sessions(bobPhone).answer(bobPhone, "alice", ANSWER));
        assertNothingLeft();
    }

    @Test
    void aTimeoutThatFiresAfterTheAnswerChangesNothing() throws Exception {
        connectedCall(alice, "bob", bobPhone);

        fireRingTimers();

        assertNothingFor(alice, bobPhone, bobLaptop);
        assertEquals(1, a.sessions.stats().calls());
    }

    @Test
    void callerDisconnectingEndsTheCallForTheCallee() throws Exception {
        connectedCall(alice, "bob", bobPhone);

        sessions(alice).disconnect(alice);

        assertEquals(ended("alice", "disconnected"), next(bobPhone, "callEnded"));
        assertNothingLeft();
        assertEquals(Map.of("alice", false, "bob", true), b.sessions.online(List.of("alice", "bob")));
    }

    @Test
    void ringingCallEndsOnlyWhenTheLastRingingDeviceIsGone() throws Exception {
        ring(alice, "bob");

        sessions(bobPhone).disconnect(bobPhone);
        assertNothingFor(alice);
        sessions(bobLaptop).disconnect(bobLaptop);

        assertEquals(ended("bob", "disconnected"), next(alice, "callEnded"));
        assertNothingLeft();
    }

    @Test
    void aDeviceOutsideTheCallDisconnectingChangesNothing() throws Exception {
        connectedCall(alice, "bob", bobPhone);

        sessions(bobLaptop).disconnect(bobLaptop);

        assertNothingFor(alice, bobPhone);
        assertEquals(1, a.sessions.stats().calls());
    }

    @Test
    void candidatesFlowOnlyBetweenTheParties() throws Exception {
        ring(alice, "bob");
        sessions(alice).relayCandidate(alice, "bob", "candidate:1");
        JsonNode first = json(Map.of("from", "alice", "candidate", "candidate:1"));
        assertEquals(first, next(bobPhone, "iceCandidate"), "while ringing, every device of the callee");
        assertEquals(first, next(bobLaptop, "iceCandidate"));

        sessions(bobPhone).answer(bobPhone, "alice", ANSWER);
        next(alice, "callAccepted");
        next(bobLaptop, "callEnded");
        sessions(bobPhone).relayCandidate(bobPhone, "alice", Map.of("candidate", "candidate:2", "sdpMid", "0"));
        assertEquals(json(Map.of("from", "bob", "candidate", Map.of("candidate", "candidate:2", "sdpMid", "0"))),
                next(alice, "iceCandidate"));

        assertCode(ErrorCode.NOT_IN_CALL, () -> sessions(carol).relayCandidate(carol, "bob", "candidate:3"));
        assertCode(ErrorCode.NOT_IN_CALL, () -> sessions(bobLaptop).relayCandidate(bobLaptop, "alice", "candidate:4"));
        assertCode(ErrorCode.NOT_IN_CALL, () -> sessions(alice).relayCandidate(alice, "carol", "candidate:5"));
        assertCode(ErrorCode.NOT_IN_CALL, () -> sessions(carol).end(carol, "alice"));
        assertNothingFor(alice, bobPhone, bobLaptop, carol);
    }

    @Test
    void shuttingDownEndsEveryCallForBothParties() throws Exception {
        ring(alice, "bob");

        for (TestNode node : nodes()) {
            node.sessions.endAll();
        }

        assertEquals(ended("bob", "disconnected"), next(alice, "callEnded"));
        assertEquals(ended("alice", "disconnected"), next(bobPhone, "callEnded"));
        assertEquals(ended("alice", "disconnected"), next(bobLaptop, "callEnded"));
        assertNothingLeft();
    }

    @Test
    void tooManySocketsForOneUserAreRefusedCountingEveryNode() {
        connect(a, "bob");
        connect(b, "bob");
        assertFalse(a.sessions.connect(UUID.randomUUID(), "bob", TestNode.details()), "bob holds " + MAX_SOCKETS_PER_USER + " sockets");
        assertFalse(b.sessions.connect(UUID.randomUUID(), "bob", TestNode.details()));
    }

    @Test
    void presenceIsTheSameFromEveryNode() {
        assertEquals(Map.of("bob", true, "carol", true, "dave", false), a.sessions.online(List.of("bob", "carol", "dave")));
        sessions(carol).disconnect(carol);
        assertEquals(Map.of("carol", false), a.sessions.online(List.of("carol")));
        sessions(bobPhone).disconnect(bobPhone);
        assertEquals(Map.of("bob", true), b.sessions.online(List.of("bob")), "bob's laptop is still there");
    }

    @Test
    void unknownSocketsAreUnauthorized() {
        UUID stranger = UUID.randomUUID();
        assertCode(ErrorCode.UNAUTHORIZED, () -> a.sessions.placeCall(stranger, "bob", CallType.VOICE, OFFER));
        assertCode(ErrorCode.UNAUTHORIZED, () -> a.sessions.answer(stranger, "alice", ANSWER));
    }

    @Test
    void manyCallsLeaveNothingBehind() throws Exception {
        for (int i = 0; i < 200; i++) {
            place(alice, "bob", CallType.VOICE);
            switch (i % 4) {
                case 0 -> sessions(bobPhone).reject(bobPhone, "alice");
                case 1 -> fireRingTimers();
                case 2 -> {
                    sessions(bobLaptop).answer(bobLaptop, "alice", ANSWER);
                    sessions(bobLaptop).end(bobLaptop, "alice");
                }
                default -> sessions(alice).end(alice, "bob");
            }
        }
        assertNothingLeft();
        assertCanCall(carol, "bob");
    }

    // ------------------------------------------------------------------ operators (admin API)

    @Test
    void anOperatorEndsAConnectedCallTellingBothParties() throws Exception {
        String callId = connectedCall(alice, "bob", bobLaptop);

        assertTrue(b.sessions.endByOperator(callId));

        assertEquals(ended("bob", "ended-by-operator"), next(alice, "callEnded"));
        assertEquals(ended("alice", "ended-by-operator"), next(bobLaptop, "callEnded"));
        assertNothingFor(bobPhone);
        assertEquals(List.of("ended-by-operator"), endedReasons());
        assertNothingLeft();
        assertFalse(a.sessions.endByOperator(callId), "already ended");
        assertCanCall(carol, "bob");
    }

    @Test
    void anOperatorEndsARingingCallOnEveryRingingDevice() throws Exception {
        String callId = ring(alice, "bob");

        assertTrue(a.sessions.endByOperator(callId));

        assertEquals(ended("bob", "ended-by-operator"), next(alice, "callEnded"));
        assertEquals(ended("alice", "ended-by-operator"), next(bobPhone, "callEnded"));
        assertEquals(ended("alice", "ended-by-operator"), next(bobLaptop, "callEnded"));
        assertNothingLeft();
    }

    @Test
    void liveCallsAreListedUpToTheLimitWithTheTotal() throws Exception {
        String first = connectedCall(alice, "bob", bobPhone);
        connect(a, "dave");
        String second = place(carol, "dave", CallType.VIDEO);

        LiveCalls all = b.sessions.calls(10);
        assertEquals(2, all.total());
        assertFalse(all.truncated());
        Map<String, List<String>> byId = new HashMap<>();
        all.calls().forEach(c -> byId.put(c.id(), List.of(c.from(), c.to(), c.type(), c.state())));
        assertEquals(Map.of(first, List.of("alice", "bob", "voice", "connected"),
                second, List.of("carol", "dave", "video", "ringing")), byId);

        LiveCalls one = a.sessions.calls(1);
        assertEquals(1, one.calls().size());
        assertEquals(2, one.total());
        assertTrue(one.truncated());
    }

    @Test
    void aUserShowsEverySocketAndTheCall() throws Exception {
        String callId = ring(alice, "bob");

        UserSessions bob = b.sessions.user("bob");
        assertEquals(Set.of(bobPhone, bobLaptop), bob.sockets().stream().map(ConnectedSocket::id).collect(Collectors.toSet()));
        assertTrue(bob.sockets().stream().allMatch(s -> s.details().equals(TestNode.details())));
        assertEquals(callId, bob.call().map(LiveCall::id).orElseThrow());
        UserSessions nobody = a.sessions.user("nobody");
        assertTrue(nobody.sockets().isEmpty() && nobody.call().isEmpty());
    }

    @Test
    void disconnectingAUserOrdersEachOfItsSocketsClosedByTheNodeHoldingIt() throws Exception {
        assertEquals(2, a.sessions.disconnectUser("bob"));

        next(bobPhone, Delivery.DISCONNECT);
        next(bobLaptop, Delivery.DISCONNECT);
        assertNothingFor(alice, carol);
        assertEquals(0, b.sessions.disconnectUser("nobody"));
    }

    // ------------------------------------------------------------------ waking calls (dialtone.push)

    @Test
    @Tag(PUSH)
    void aCallToAUserWithNoSocketIsAnnouncedAndWaits() throws Exception {
        PlacedCall placed = placed(alice, "dave", CallType.VIDEO);
        String callId = placed.callId();

        assertTrue(placed.waking(), "placed as a waking call");
        assertEquals(List.of(new CallEvent.Incoming(callId, "alice", "dave", CallType.VIDEO, NOW.plus(WAKE_WAIT))),
                callEvents());
        assertEquals(WAKE_WAIT, a.timers.lastDelay(), "the wait runs where the call was placed");
        assertNothingFor(alice, bobPhone, bobLaptop, carol);
        assertFalse(placed(carol, "bob", CallType.VOICE).waking(), "a callee with a socket rings at once");
        assertRingsOnEveryDevice("bob");
    }

    @Test
    @Tag(PUSH)
    void everyDeviceThatWakesOnAnyNodeRingsOnceWithTheCallersOffer() throws Exception {
        String callId = place(alice, "dave", CallType.VOICE);
        UUID davePhone = wake(b, "dave");
        sessions(davePhone).ringIfWaking(davePhone);
        UUID daveTablet = wake(a, "dave");

        JsonNode expected = json(Map.of("from", "alice", "signalData", OFFER, "callType", "voice", "callId", callId,
                "iceServers", List.of(Map.of("urls", List.of("turn:x"), "username", "1:dave", "credential", "pw"))));
        assertEquals(expected, next(davePhone, "incomingCall"));
        assertEquals(expected, next(daveTablet, "incomingCall"));
        assertNothingFor(alice, davePhone, daveTablet);
        assertEquals(List.of(new CallEvent.Incoming(callId, "alice", "dave", CallType.VOICE, NOW.plus(WAKE_WAIT))),
                callEvents(), "announced once; a device ringing is no news for the backend");
    }

    @Test
    @Tag(PUSH)
    void aWokenDeviceThatDropsLeavesTheCallWaitingForAnother() throws Exception {
        place(alice, "dave", CallType.VOICE);
        UUID davePhone = wakeRinging(b, "dave");

        sessions(davePhone).disconnect(davePhone);
        assertNothingFor(alice);
        UUID daveTablet = wake(a, "dave");

        next(daveTablet, "incomingCall");
        assertEquals(1, b.sessions.stats().ringing());
    }

    @Test
    @Tag(PUSH)
    void answeringWithdrawsTheAnnouncementAndTheEndIsReportedWithWhoEndedIt() throws Exception {
        String callId = place(alice, "dave", CallType.VOICE);
        UUID davePhone = wake(b, "dave");
        UUID daveTablet = wake(a, "dave");
        next(davePhone, "incomingCall");
        next(daveTablet, "incomingCall");
        callEvents();

        sessions(davePhone).answer(davePhone, "alice", ANSWER);

        assertEquals(json(ANSWER), next(alice, "callAccepted"));
        assertEquals(ended("alice", "answered-elsewhere"), next(daveTablet, "callEnded"));
        assertEquals(List.of(new CallEvent.Cancelled(callId, "alice", "dave", "answered")), callEvents());

        sessions(davePhone).end(davePhone, "alice");

        assertEquals(ended("dave", "hangup"), next(alice, "callEnded"));
        assertEquals(List.of(new CallEvent.Ended(callId, "alice", "dave", CallType.VOICE, NOW, NOW, NOW, "hangup",
                "dave")), callEvents());
        assertNothingLeft();
    }

    @Test
    @Tag(PUSH)
    void theWaitRunningOutEndsTheCallAsNoAnswer() throws Exception {
        String callId = place(alice, "dave", CallType.VOICE);
        UUID davePhone = wakeRinging(b, "dave");
        callEvents();

        fireRingTimers();

        assertEquals(ended("dave", "no-answer"), next(alice, "callEnded"));
        assertEquals(ended("alice", "no-answer"), next(davePhone, "callEnded"));
        assertEquals(List.of(new CallEvent.Cancelled(callId, "alice", "dave", "no-answer"),
                new CallEvent.Ended(callId, "alice", "dave", CallType.VOICE, NOW, null, NOW, "no-answer", null)),
                callEvents());
        assertEquals(List.of("no-answer"), endedReasons());
        assertNothingLeft();
    }

    @Test
    @Tag(PUSH)
    void theCallerHangingUpOrLeavingCancelsWithItsReason() throws Exception {
        String first = place(alice, "dave", CallType.VOICE);
        callEvents();
        sessions(alice).end(alice, "dave");

        assertEquals(List.of(new CallEvent.Cancelled(first, "alice", "dave", "hangup"),
                new CallEvent.Ended(first, "alice", "dave", CallType.VOICE, NOW, null, NOW, "hangup", "alice")),
                callEvents());

        String second = place(alice, "dave", CallType.VIDEO);
        callEvents();
        sessions(alice).disconnect(alice);

        assertEquals(List.of(new CallEvent.Cancelled(second, "alice", "dave", "disconnected"),
                new CallEvent.Ended(second, "alice", "dave", CallType.VIDEO, NOW, null, NOW, "disconnected", "alice")),
                callEvents());
        assertNothingLeft();
    }

    @Test
    @Tag(PUSH)
    void aCalleeTheBackendCannotWakeIsOfflineForTheCallerWhicheverNodeHeardIt() throws Exception {
        String callId = place(alice, "dave", CallType.VOICE);
        callEvents();

        b.sessions.calleeUnreachable(callId);

        assertEquals(json(new ErrorMessage("User is offline", ErrorCode.USER_OFFLINE)), next(alice, "error"));
        assertEquals(List.of(new CallEvent.Ended(callId, "alice", "dave", CallType.VOICE, NOW, null, NOW, "offline",
                null)), callEvents(), "no call.cancelled: nothing was announced to a device");
        assertEquals(List.of("offline"), endedReasons());
        assertNothingLeft();
        UUID davePhone = wake(a, "dave");
        assertNothingFor(davePhone);
    }

    @Test
    @Tag(PUSH)
    void aDeviceAlreadyRingingOutlivesTheBackendsNo() throws Exception {
        String callId = place(alice, "dave", CallType.VOICE);
        UUID davePhone = wakeRinging(b, "dave");

        a.sessions.calleeUnreachable(callId);

        assertNothingFor(alice, davePhone);
        assertEquals(1, a.sessions.stats().calls());
        assertEquals(callId, sessions(davePhone).answer(davePhone, "alice", ANSWER), "the ringing device answers");
        next(alice, "callAccepted");
    }

    @Test
    @Tag(PUSH)
    void aCallThatRangAtOnceDoesNotRingDevicesConnectingLater() throws Exception {
        ring(alice, "bob");

        UUID bobTablet = wake(b, "bob");

        assertNothingFor(bobTablet);
    }

    @Test
    @Tag(PUSH)
    void aCalleeWaitingForItsDevicesIsBusyForOtherCallers() throws Exception {
        place(alice, "dave", CallType.VOICE);

        assertCode(ErrorCode.BUSY, () -> place(carol, "dave", CallType.VOICE));

        assertEquals(json(Map.of("from", "dave", "reason", "busy")), next(carol, "callRejected"));
        UUID davePhone = wake(b, "dave");
        assertEquals("alice", next(davePhone, "incomingCall").get("from").asText());
    }

    @Test
    @Tag(PUSH)
    void everyCallEndIsReportedForHistory() throws Exception {
        String answered = connectedCall(alice, "bob", bobPhone);
        assertEquals(List.of(), callEvents(), "a call that rang at once is announced to no one");
        sessions(bobPhone).end(bobPhone, "alice");
        next(alice, "callEnded");
        assertEquals(List.of(new CallEvent.Ended(answered, "alice", "bob", CallType.VOICE, NOW, NOW, NOW, "hangup",
                "bob")), callEvents());

        String declined = ring(carol, "bob");
        sessions(bobLaptop).reject(bobLaptop, "carol");
        next(carol, "callRejected");
        assertEquals(List.of(new CallEvent.Ended(declined, "carol", "bob", CallType.VOICE, NOW, null, NOW, "declined",
                "bob")), callEvents());
    }

    // ------------------------------------------------------------------ helpers

    private UUID connect(TestNode node, String user) {
        UUID socket = node.connect(user);
        nodeOf.put(socket, node);
        return socket;
    }

    /** A device of {@code user} connects to {@code node} (after its push) and has had its iceServers. */
    private UUID wake(TestNode node, String user) {
        UUID socket = connect(node, user);
        node.sessions.ringIfWaking(socket);
        return socket;
    }

    /** A device of {@code user} wakes on {@code node} and rings for the call waiting for {@code user}. */
    private UUID wakeRinging(TestNode node, String user) throws InterruptedException {
        UUID socket = wake(node, user);
        next(socket, "incomingCall");
        return socket;
    }

    /** The call events every node reported since the last look, node by node. */
    private List<CallEvent> callEvents() {
        List<CallEvent> all = new ArrayList<>();
        nodes().forEach(node -> all.addAll(node.takeEvents()));
        return all;
    }

    private CallSessions sessions(UUID socket) {
        return nodeOf.get(socket).sessions;
    }

    private List<TestNode> nodes() {
        return List.copyOf(new LinkedHashSet<>(List.of(a, b)));
    }

    private PlacedCall placed(UUID caller, String callee, CallType type) {
        return sessions(caller).placeCall(caller, callee, type, OFFER);
    }

    private String place(UUID caller, String callee, CallType type) {
        return placed(caller, callee, type).callId();
    }

    /** Alice calls bob and both of bob's devices ring. */
    private String ring(UUID caller, String callee) throws Exception {
        String callId = place(caller, callee, CallType.VOICE);
        assertRingsOnEveryDevice(callee);
        return callId;
    }

    private void assertRingsOnEveryDevice(String callee) throws Exception {
        for (UUID device : socketsOf(callee)) {
            next(device, "incomingCall");
        }
    }

    private String connectedCall(UUID caller, String callee, UUID answering) throws Exception {
        String callId = ring(caller, callee);
        sessions(answering).answer(answering, nodeUser(caller), ANSWER);
        next(caller, "callAccepted");
        for (UUID other : socketsOf(callee)) {
            if (!other.equals(answering)) {
                next(other, "callEnded");
            }
        }
        return callId;
    }

    private void assertCanCall(UUID caller, String callee) throws Exception {
        ring(caller, callee);
        sessions(caller).end(caller, callee);
        for (UUID device : socketsOf(callee)) {
            next(device, "callEnded");
        }
    }

    private List<UUID> socketsOf(String user) {
        return switch (user) {
            case "bob" -> List.of(bobPhone, bobLaptop);
            case "alice" -> List.of(alice);
            case "carol" -> List.of(carol);
            default -> throw new IllegalArgumentException(user);
        };
    }

    private String nodeUser(UUID socket) {
        return sessions(socket).userOf(socket);
    }

    private JsonNode next(UUID socket, String event) throws InterruptedException {
        return nodeOf.get(socket).next(socket, event);
    }

    private void assertNothingFor(UUID... sockets) throws InterruptedException {
        for (TestNode node : nodes()) {
            node.assertNothingFor(sockets);
        }
    }

    private void fireRingTimers() {
        nodes().forEach(node -> node.timers.fireAll());
    }

    /** The end reasons counted, wherever they were counted. */
    private List<String> endedReasons() {
        List<String> all = new ArrayList<>();
        nodes().forEach(node -> all.addAll(node.endedReasons()));
        return all;
    }

    private void assertNothingLeft() {
        CallSessions.Stats stats = a.sessions.stats();
        assertEquals(0, stats.calls(), "no call left");
        assertEquals(0, stats.usersInCalls(), "nobody left in a call");
    }

    private static JsonNode ended(String from, String reason) {
        return json(Map.of("from", from, "reason", reason));
    }

    private static void assertCode(ErrorCode code, Executable action) {
        SignalingException e = assertThrows(SignalingException.class, action);
        assertEquals(code, e.code());
    }
}
