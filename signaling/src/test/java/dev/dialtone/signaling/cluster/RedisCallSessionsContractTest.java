package dev.dialtone.signaling.cluster;

import dev.dialtone.signaling.call.CallSessionsContract;
import dev.dialtone.signaling.call.TestNode;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The call session rules on two nodes' {@link RedisCallSessions} sharing one real redis-server. */
class RedisCallSessionsContractTest extends CallSessionsContract {

    /** Events for a socket on the other node travel through Redis pub/sub: watched this long for silence. */
    private static final Duration QUIET = Duration.ofMillis(300);

    private static RedisServer redis;

    // a fresh key prefix per test: nothing left from another test can answer for this one
    private final String prefix = "contract-" + UUID.randomUUID() + ":";
    private final TestNode[] nodes = new TestNode[2];

    @BeforeAll
    static void startRedis() throws Exception {
        redis = new RedisServer();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void stopNodes() {
        for (TestNode node : nodes) {
            if (node != null) {
                node.sessions.close();
            }
        }
    }

    @Override
    protected TestNode node(int index, Duration wakeWait) {
        if (nodes[index] == null) {
            nodes[index] = new TestNode(w -> new RedisCallSessions(new ClusterConfig(redis.url(),
                    Duration.ofSeconds(10), Duration.ofSeconds(3), prefix), w.outbox(), w.timers(), RING_TIMEOUT,
                    MAX_SOCKETS_PER_USER, ICE_SERVERS, w.listener(), w.push()), QUIET, wakeWait);
        }
        return nodes[index];
    }
}
