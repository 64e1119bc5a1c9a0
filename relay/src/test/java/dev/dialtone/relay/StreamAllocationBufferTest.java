package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.common.TurnRestSecret;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of stream allocations must not each hold a 64 KB direct receive buffer: one loop
 * ({@code StreamLoop}) with one buffer reads every stream allocation's relay socket; that it
 * relays datagrams of every size whole is {@code StreamLoopTest}'s.
 */
class StreamAllocationBufferTest {

    private static final TurnRestSecret SECRET = new TurnRestSecret(RelayUnderTest.SECRET);

    private RelayUnderTest relay;
    private DatagramChannel peer;
    private final List<TestClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        relay = RelayUnderTest.start(Map.of("dialtone.relay.user-quota", 0, "dialtone.relay.total-quota", 0));
        peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws Exception {
        for (TestClient client : clients) {
            client.close();
        }
        peer.close();
        relay.close();
    }

    /** A TURN/TCP client with an allocation that permits the test's peer; returns the relayed address. */
    private InetSocketAddress allocateOverTcp(TestClient client, String user) throws Exception {
        client.useCredentials(SECRET.mint(user, Duration.ofHours(1), java.time.Clock.systemUTC()));
        Message answer = client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false));
        assertSuccess(answer);
        assertSuccess(client.authenticated(TestClient.createPermission((InetSocketAddress) peer.getLocalAddress())));
        return ((XorRelayedAddressAttribute) answer.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                .getAddress(answer.getTransactionID());
    }

    @Test
    void fiftyTcpAllocationsHoldLittleDirectMemory() throws Exception {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        // the first connection warms up what every later one shares (the JDK's temporary buffers)
        TestClient first = TestClient.tcp(relay.address());
        clients.add(first);
        allocateOverTcp(first, "user-first");
        long before = direct.getMemoryUsed();
        for (int i = 0; i < 50; i++) {
            TestClient client = TestClient.tcp(relay.address());
            clients.add(client);
            allocateOverTcp(client, "user" + i);
        }
        long perAllocation = (direct.getMemoryUsed() - before) / 50;
        // a full-size buffer each was 65,586 bytes
        assertTrue(perAllocation < 8 * 1024, perAllocation + " bytes of direct memory per TCP allocation");
    }
}
