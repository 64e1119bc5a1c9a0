package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.common.TurnRestSecret;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Map;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.DataAttribute;
import org.ice4j.attribute.XorPeerAddressAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two clients of one relay behind a 1:1 NAT that does not hairpin: the relay advertises 127.0.0.2
 * (its "public" address) while its sockets are bound to 127.0.0.1, so a datagram really sent to
 * 127.0.0.2:port reaches nobody. Data between the two allocations must still flow, inside the
 * relay, under the receiving allocation's permissions.
 */
class HairpinTest {

    private static final String EXTERNAL = "127.0.0.2";

    private final MutableClock clock = new MutableClock();
    private RelayUnderTest relay;

    @BeforeEach
    void start() throws Exception {
        relay = RelayUnderTest.start(Map.of("dialtone.relay.external-ip", EXTERNAL), clock);
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private InetSocketAddress allocate(TestClient client, String user) throws Exception {
        client.useCredentials(new TurnRestSecret(RelayUnderTest.SECRET).mint(user, Duration.ofHours(1), clock));
        Message response = client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false));
        assertSuccess(response);
        return ((XorRelayedAddressAttribute) response.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                .getAddress(response.getTransactionID());
    }

    private static void assertData(Message data, InetSocketAddress from, String payload) {
        assertEquals(Message.DATA_INDICATION, data.getMessageType());
        assertEquals(from, ((XorPeerAddressAttribute) data.getAttribute(Attribute.XOR_PEER_ADDRESS))
                .getAddress(data.getTransactionID()), "the peer is the other allocation's relayed address");
        assertArrayEquals(payload.getBytes(), ((DataAttribute) data.getAttribute(Attribute.DATA)).getData());
    }

    @Test
    void theNatReallyDoesNotHairpin() throws Exception {
        try (TestClient client = TestClient.udp(relay.address());
             DatagramChannel outsider = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress relayed = allocate(client, "alice");
            assertEquals(EXTERNAL, relayed.getAddress().getHostAddress());
            assertSuccess(client.authenticated(TestClient.createPermission(new InetSocketAddress("127.0.0.1", 9))));
            outsider.send(ByteBuffer.wrap("over the network".getBytes()), relayed);
            assertTrue(client.silentFor(300), "a datagram to the advertised address must not arrive by the network");
        }
    }

    @Test
    void dataBetweenTwoAllocationsFlowsInsideTheRelayUnderTheReceiversPermissions() throws Exception {
        try (TestClient alice = TestClient.udp(relay.address()); TestClient bob = TestClient.tcp(relay.address())) {
            InetSocketAddress aliceRelayed = allocate(alice, "alice");
            InetSocketAddress bobRelayed = allocate(bob, "bob");
            assertSuccess(alice.authenticated(TestClient.createPermission(bobRelayed)));

            alice.send(TestClient.sendIndication(bobRelayed, "before bob allows alice".getBytes()));
            assertTrue(bob.silentFor(300), "bob has no permission for alice's relayed address yet");

            assertSuccess(bob.authenticated(TestClient.createPermission(aliceRelayed)));
            alice.send(TestClient.sendIndication(bobRelayed, "hello bob".getBytes()));
            assertData(bob.receiveMessage(), aliceRelayed, "hello bob");

            assertSuccess(bob.authenticated(TestClient.channelBind(0x4001, aliceRelayed)));
            bob.sendChannelData(0x4001, "hello alice".getBytes());
            assertData(alice.receiveMessage(), bobRelayed, "hello alice");

            assertSuccess(alice.authenticated(TestClient.channelBind(0x4002, bobRelayed)));
            bob.sendChannelData(0x4001, "on alice's channel".getBytes());
            byte[] frame = alice.receiveRaw();
            assertEquals(0x4002, ByteBuffer.wrap(frame).getShort(0) & 0xFFFF, "ChannelData on alice's channel to bob");
            assertEquals("on alice's channel", new String(frame, 4, ByteBuffer.wrap(frame).getShort(2)));

            clock.advance(Duration.ofSeconds(301)); // alice's permission (300 s) is over, bob's channel (600 s) not
            bob.sendChannelData(0x4001, "too late".getBytes());
            assertTrue(alice.silentFor(300), "alice's expired permission must stop bob's data");
        }
    }
}
