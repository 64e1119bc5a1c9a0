package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static dev.dialtone.relay.TestClient.errorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.allocation.AllocationLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.ErrorCodeAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a client sees when the relay is full (RFC 8656 section 7.2: 508 Insufficient Capacity), and
 * what the operator sees: a counter per limit and one log line, however many clients knock.
 */
class RelayCapacityTest {

    private static final TurnRestSecret SECRET = new TurnRestSecret(RelayUnderTest.SECRET);

    private final MutableClock clock = new MutableClock();
    private final List<TestClient> clients = new ArrayList<>();
    private RelayUnderTest relay;

    @AfterEach
    void stop() throws Exception {
        for (TestClient client : clients) {
            client.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    /** A new UDP client of {@code user}'s, its answer to an Allocate. */
    private Message allocate(String user) throws Exception {
        TestClient client = TestClient.udp(relay.address());
        clients.add(client);
        client.useCredentials(SECRET.mint(user, Duration.ofHours(1), clock));
        return client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false));
    }

    private static int relayedPort(Message response) {
        assertSuccess(response);
        return ((XorRelayedAddressAttribute) response.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                .getAddress(response.getTransactionID()).getPort();
    }

    private static void assertInsufficientCapacity(Message response) {
        assertEquals(508, errorCode(response));
        assertEquals("Insufficient Capacity",
                ((ErrorCodeAttribute) response.getAttribute(Attribute.ERROR_CODE)).getReasonPhrase());
    }

    @Test
    void aFullPortRangeAnswers508UntilAnAllocationEnds() throws Exception {
        int min = RelayUnderTest.relayPortBase() + 97;
        relay = RelayUnderTest.start(Map.of("dialtone.relay.min-port", min, "dialtone.relay.max-port", min + 2,
                "dialtone.relay.total-quota", 0, "dialtone.relay.user-quota", 0), clock);
        try (CapturedLog log = CapturedLog.atLeast(Level.WARN)) {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ports.add(relayedPort(allocate("user" + i)));
            }
            assertEquals(Set.of(min, min + 1, min + 2), new HashSet<>(ports));

            for (int i = 3; i < 6; i++) {
                assertInsufficientCapacity(allocate("user" + i));
            }
            assertEquals(3, relay.server.counters().refusedAllocations(AllocationLimit.RELAY_PORTS));
            assertEquals(3, relay.server.counters().allocations());
            List<String> lines = log.lines();
            assertEquals(1, lines.size(), "one line for three refusals: " + lines);
            assertTrue(lines.get(0).contains("Allocate answered 508 Insufficient Capacity (no free relay port in "
                    + min + "-" + (min + 2) + " on 127.0.0.1), 3 allocations live")
                    && lines.get(0).contains("widen dialtone.relay.min-port/max-port"), lines.get(0));

            // the first client deletes its allocation (Refresh, LIFETIME 0): its port serves the next
            // client once the UDP loop that held it has closed its socket (its next wake-up, <= 1 s)
            assertSuccess(clients.get(0).authenticated(MessageFactory.createRefreshRequest(0)));
            TestClient next = TestClient.udp(relay.address());
            clients.add(next);
            next.useCredentials(SECRET.mint("user6", Duration.ofHours(1), clock));
            int retries = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Message answer;
            while (errorCode(answer = next.authenticated(MessageFactory.createAllocateRequest((byte) 17, false))) == 508
                    && System.nanoTime() < deadline) {
                retries++;
                Thread.sleep(50);
            }
            assertEquals(ports.get(0), relayedPort(answer));

            // full again: counted, and logged again only once the interval has passed, with the count since
            assertInsufficientCapacity(allocate("user7"));
            clock.advance(Duration.ofSeconds(61));
            assertInsufficientCapacity(allocate("user8"));
            assertEquals(5 + retries, relay.server.counters().refusedAllocations(AllocationLimit.RELAY_PORTS));
            lines = log.lines();
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(1).contains((4 + retries) + " refused for this since 61 s ago"), lines.get(1));
        }
    }

    @Test
    void theTotalQuotaAnswers508AndIsCountedApartFromTheUserQuota() throws Exception {
        relay = RelayUnderTest.start(Map.of("dialtone.relay.total-quota", 2, "dialtone.relay.user-quota", 1), clock);
        try (CapturedLog log = CapturedLog.atLeast(Level.WARN)) {
            relayedPort(allocate("alice"));
            assertEquals(486, errorCode(allocate("alice")));
            relayedPort(allocate("bob"));
            assertInsufficientCapacity(allocate("carol"));
            assertInsufficientCapacity(allocate("dave"));
            RelayCounters counters = relay.server.counters();
            assertEquals(1, counters.refusedAllocations(AllocationLimit.USER_QUOTA));
            assertEquals(2, counters.refusedAllocations(AllocationLimit.TOTAL_QUOTA));
            assertEquals(0, counters.refusedAllocations(AllocationLimit.RELAY_PORTS));
            List<String> lines = log.lines();
            assertEquals(1, lines.size(), "one line for two refusals at the total quota: " + lines);
            assertTrue(lines.get(0).contains("(total-quota 2 reached), 2 allocations live"), lines.get(0));
        }
    }
}
