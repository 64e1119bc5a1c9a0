package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.common.TurnRestSecret;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.DataAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A TURN/TCP allocation's peer-side receive buffer starts small, so that thousands of stream
 * allocations do not each hold 64 KB of direct memory, and grows when a peer sends a bigger datagram.
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

    private byte[] peerSendsAndClientReceives(TestClient client, InetSocketAddress relayed, byte[] data) throws Exception {
        peer.send(ByteBuffer.wrap(data), relayed);
        return ((DataAttribute) client.receiveMessage().getAttribute(Attribute.DATA)).getData();
    }

    @Test
    void aDatagramLargerThanTheFirstBufferIsDroppedOnceAndThenRelayedWhole() throws Exception {
        TestClient client = TestClient.tcp(relay.address());
        clients.add(client);
        InetSocketAddress relayed = allocateOverTcp(client, "alice");
        byte[] small = new byte[1200];
        byte[] large = new byte[9000];
        new Random(1).nextBytes(small);
        new Random(2).nextBytes(large);

        assertArrayEquals(small, peerSendsAndClientReceives(client, relayed, small));
        // the large one fills the small buffer: dropped and counted; the next small one comes through
        peer.send(ByteBuffer.wrap(large), relayed);
        assertArrayEquals(small, peerSendsAndClientReceives(client, relayed, small));
        assertEquals(1, relay.server.counters().droppedPackets(DropReason.TOO_LARGE));
        // from now on the buffer holds the largest datagram
        assertArrayEquals(large, peerSendsAndClientReceives(client, relayed, large));
        assertArrayEquals(small, peerSendsAndClientReceives(client, relayed, small));
        assertEquals(1, relay.server.counters().droppedPackets(DropReason.TOO_LARGE));
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
