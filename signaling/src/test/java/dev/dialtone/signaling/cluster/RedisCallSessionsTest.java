package dev.dialtone.signaling.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dialtone.signaling.call.TestNode;
import dev.dialtone.signaling.call.CallType;
import dev.dialtone.signaling.call.ConnectedSocket;
import dev.dialtone.signaling.call.Delivery;
import dev.dialtone.signaling.call.LiveCall;
import dev.dialtone.signaling.call.LiveCalls;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.SignalingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two nodes' {@link RedisCallSessions} on one real redis-server: what each node's sockets get. */
class RedisCallSessionsTest {

    private static final Map<String, String> OFFER = Map.of("type", "offer", "sdp", "v=0");
    private static final Map<String, String> ANSWER = Map.of("type", "answer", "sdp", "v=0");
    private static final Duration TTL = Duration.ofMillis(1000);
    private static final Duration HEARTBEAT = Duration.ofMillis(200);

    private static RedisServer redis;

    // a fresh prefix per test: nothing left from another test can answer for this one
    private final String prefix = "test-" + UUID.randomUUID() + ":";
    private TestNode nodeA;
    private TestNode nodeB;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = new RedisServer();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void startNodes() {
        nodeA = node();
        nodeB = node();
    }

    @AfterEach
    void stopNodes() {
        nodeA.sessions.close();
        nodeB.sessions.close();
    }

    /** Busy is decided in Redis, atomically: of many simultaneous callers one rings, the others hear busy. */
    @Test
    void simultaneousCallersOnTwoNodesRingTheCalleeOnce() throws Exception {
        nodeB.connect("bob");
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            TestNode node = i % 2 == 0 ? nodeA : nodeB;
            UUID caller = node.connect("caller-" + i);
            calls.add(() -> {
                try {
                    node.sessions.placeCall(caller, "bob", CallType.VOICE, OFFER);
                    return true;
                } catch (SignalingException e) {
                    assertEquals(ErrorCode.BUSY, e.code());
                    return false;
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        int placed = 0;
        try {
            for (Future<Boolean> f : pool.invokeAll(calls, 10, TimeUnit.SECONDS)) {
                placed += f.get() ? 1 : 0;
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, placed);
        assertEquals(1, nodeA.sessions.stats().calls());
    }

    @Test
    void aNodeWhoseHeartbeatStopsIsClearedByTheOthersWithinTheBound() throws Exception {
        UUID alice = nodeA.connect("alice");
        UUID bob = nodeB.connect("bob");
        UUID carol = nodeA.connect("carol");
        UUID dave = nodeB.connect("dave");
        nodeA.sessions.placeCall(alice, "bob", CallType.VOICE, OFFER);
        nodeB.sessions.answer(bob, "alice", ANSWER);
        nodeB.sessions.placeCall(dave, "carol", CallType.VOICE, OFFER);

        long stoppedAt = System.nanoTime();
        nodeB.sessions.close(); // as a crash: no goodbye, the heartbeat just stops

        Duration bound = TTL.plus(HEARTBEAT).plusMillis(500);
        assertEquals(ended("bob", "disconnected"), nodeA.next(alice, "callEnded", bound));
        assertEquals(ended("dave", "disconnected"), nodeA.next(carol, "callEnded", bound));
        assertTrue(Duration.ofNanos(System.nanoTime() - stoppedAt).compareTo(bound) <= 0);
        assertEquals(Map.of("bob", false, "dave", false), nodeA.sessions.online(List.of("bob", "dave")));
        assertEquals(0, nodeA.sessions.stats().calls());
    }

    @Test
    void aNodeThatLeavesEndsItsCallsAtOnceTellingBothParties() throws Exception {
        UUID alice = nodeA.connect("alice");
        UUID bob = nodeB.connect("bob");
        nodeA.sessions.placeCall(alice, "bob", CallType.VOICE, OFFER);
        nodeB.sessions.answer(bob, "alice", ANSWER);

        nodeB.sessions.endAll();

        assertEquals(ended("bob", "disconnected"), nodeA.next(alice, "callEnded", HEARTBEAT));
        assertEquals(ended("alice", "disconnected"), nodeB.next(bob, "callEnded", Duration.ZERO),
                "told before its socket closes");
        assertEquals(Map.of("bob", false), nodeA.sessions.online(List.of("bob")));
    }

    /** A heartbeat that finds its node gone (Redis restarted empty, or a long pause) registers its sockets again. */
    @Test
    void presenceComesBackAfterRedisLosesItsData() throws Exception {
        nodeA.connect("alice");
        nodeB.connect("bob");
        redis.flushAll();
        assertEquals(Map.of("alice", false, "bob", false), nodeA.sessions.online(List.of("alice", "bob")));

        long deadline = System.nanoTime() + HEARTBEAT.multipliedBy(3).toNanos();
        Map<String, Boolean> online;
        do {
            Thread.sleep(50);
            online = nodeA.sessions.online(List.of("alice", "bob"));
        } while (online.containsValue(false) && System.nanoTime() < deadline);
        assertEquals(Map.of("alice", true, "bob", true), online);
    }

    @Test
    void anOperatorOnAThirdNodeListsAndEndsACallBetweenTwoOthers() throws Exception {
        TestNode admin = node();
        try {
            UUID alice = nodeA.connect("alice");
            UUID bob = nodeB.connect("bob");
            String callId = nodeA.sessions.placeCall(alice, "bob", CallType.VIDEO, OFFER).callId();
            nodeB.sessions.answer(bob, "alice", ANSWER);

            LiveCalls calls = admin.sessions.calls(10);
            assertEquals(1, calls.total());
            LiveCall call = calls.calls().get(0);
            assertEquals(List.of(callId, "alice", "bob", "video", "connected"),
                    List.of(call.id(), call.from(), call.to(), call.type(), call.state()));
            assertEquals(nodeA.sessions.user("alice").sockets().get(0).node(), call.node());

            assertTrue(admin.sessions.endByOperator(callId));
            assertEquals(ended("bob", "ended-by-operator"), nodeA.next(alice, "callEnded"));
            assertEquals(ended("alice", "ended-by-operator"), nodeB.next(bob, "callEnded"));
            assertEquals(List.of("ended-by-operator"), admin.endedReasons());
            assertFalse(admin.sessions.endByOperator(callId));
            assertEquals(0, admin.sessions.calls(10).total());
        } finally {
            admin.sessions.close();
        }
    }

    @Test
    void aUsersSocketsOnEveryNodeAreShownAndClosedByTheirOwnNode() throws Exception {
        UUID alice = nodeA.connect("alice");
        UUID bobOnA = nodeA.connect("bob");
        UUID bobOnB = nodeB.connect("bob");
        String callId = nodeA.sessions.placeCall(alice, "bob", CallType.VOICE, OFFER).callId();

        var bob = nodeA.sessions.user("bob");
        assertEquals(Set.of(bobOnA, bobOnB), Set.copyOf(bob.sockets().stream().map(ConnectedSocket::id).toList()));
        assertTrue(bob.sockets().stream().allMatch(s -> TestNode.details().equals(s.details())));
        assertEquals(2, Set.copyOf(bob.sockets().stream().map(ConnectedSocket::node).toList()).size());
        assertEquals(callId, bob.call().orElseThrow().id());
        assertEquals("ringing", bob.call().orElseThrow().state());

        assertEquals(2, nodeB.sessions.disconnectUser("bob"));
        assertTrue(nodeA.next(bobOnA, Delivery.DISCONNECT).isNull());
        assertTrue(nodeB.next(bobOnB, Delivery.DISCONNECT).isNull());
        assertTrue(nodeA.sessions.user("nobody").sockets().isEmpty());
    }

    private TestNode node() {
        return new TestNode(w -> new RedisCallSessions(new ClusterConfig(redis.url(), TTL, HEARTBEAT, prefix),
                w.outbox(), w.timers(), Duration.ofSeconds(45), 4,
                user -> List.of(new IceServer(List.of("turn:x"), "1:" + user, "pw")), w.listener()), Duration.ZERO);
    }

    private static JsonNode ended(String from, String reason) {
        return TestNode.json(Map.of("from", from, "reason", reason));
    }
}
