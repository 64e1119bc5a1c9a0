package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dialtone.common.TurnRestSecret;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.DataAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;

/**
 * The relay sockets of TCP and TLS allocations share one loop and its one full-size receive
 * buffer: whatever a peer sends, up to the largest UDP datagram, reaches the stream client whole,
 * the first time, for every allocation.
 */
class StreamLoopTest {

    @Test
    void datagramsOfEverySizeReachEveryTcpClientWholeTheFirstTime() throws Exception {
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of());
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             TestClient alice = TestClient.tcp(relay.address());
             TestClient bob = TestClient.tcp(relay.address())) {
            InetSocketAddress toAlice = allocate(alice, "alice", peer);
            InetSocketAddress toBob = allocate(bob, "bob", peer);
            Random random = new Random(21);
            // the largest is the largest IPv4 UDP payload (65,535 less the IP and UDP headers)
            for (int size : new int[] {1, 1200, 2049, 9000, 65_507}) {
                byte[] data = new byte[size];
                random.nextBytes(data);
                peer.send(ByteBuffer.wrap(data), toAlice);
                peer.send(ByteBuffer.wrap(data), toBob);
                assertArrayEquals(data, received(alice), size + " bytes to alice");
                assertArrayEquals(data, received(bob), size + " bytes to bob");
            }
            assertEquals(0, relay.server.counters().droppedPackets(), "nothing dropped");
        }
    }

    private static InetSocketAddress allocate(TestClient client, String user, DatagramChannel peer) throws Exception {
        client.useCredentials(new TurnRestSecret(RelayUnderTest.SECRET).mint(user, Duration.ofHours(1), Clock.systemUTC()));
        client.receiveTimeout(10_000);
        Message answer = client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false));
        assertSuccess(answer);
        assertSuccess(client.authenticated(TestClient.createPermission((InetSocketAddress) peer.getLocalAddress())));
        return ((XorRelayedAddressAttribute) answer.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                .getAddress(answer.getTransactionID());
    }

    private static byte[] received(TestClient client) throws Exception {
        return ((DataAttribute) client.receiveMessage().getAttribute(Attribute.DATA)).getData();
    }
}
