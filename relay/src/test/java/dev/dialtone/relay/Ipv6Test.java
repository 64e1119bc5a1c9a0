package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static dev.dialtone.relay.TestClient.errorCode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dialtone.common.TurnRestSecret;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.DataAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;

/** The relay on IPv6 loopback: IPv6 relayed address, XOR encoding with the transaction id, 443. */
class Ipv6Test {

    @Test
    void relaysBetweenIpv6ClientAndPeer() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            probe.bind(new InetSocketAddress(v6, 0));
        } catch (java.io.IOException e) {
            assumeTrue(false, "this machine has no IPv6 loopback: " + e);
        }
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of("dialtone.relay.listen-addresses", List.of("::1"),
                "dialtone.relay.relay-address", "::1", "dialtone.relay.tls-port", 0));
             TestClient client = TestClient.udp(relay.address());
             DatagramChannel peer = DatagramChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(v6, 0))) {
            client.useCredentials(new TurnRestSecret(RelayUnderTest.SECRET).mint("alice", Duration.ofHours(1), Clock.systemUTC()));
            Message allocated = client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false));
            assertSuccess(allocated);
            InetSocketAddress relayed = ((XorRelayedAddressAttribute) allocated.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                    .getAddress(allocated.getTransactionID());
            assertEquals(v6, relayed.getAddress());

            InetSocketAddress peerAt = (InetSocketAddress) peer.getLocalAddress();
            assertEquals(443, errorCode(client.authenticated(
                    TestClient.createPermission(new InetSocketAddress("127.0.0.1", 5000)))));
            assertSuccess(client.authenticated(TestClient.createPermission(peerAt)));

            client.send(TestClient.sendIndication(peerAt, "to v6 peer".getBytes()));
            ByteBuffer received = ByteBuffer.allocate(100);
            peer.socket().setSoTimeout(2000);
            java.net.DatagramPacket packet = new java.net.DatagramPacket(received.array(), 100);
            peer.socket().receive(packet);
            received.position(packet.getLength());
            assertEquals("to v6 peer", new String(received.array(), 0, received.position()));

            peer.send(ByteBuffer.wrap("to v6 client".getBytes()), relayed);
            Message data = client.receiveMessage();
            assertArrayEquals("to v6 client".getBytes(), ((DataAttribute) data.getAttribute(Attribute.DATA)).getData());
            assertEquals(Inet6Address.class, peerAt.getAddress().getClass());
        }
    }
}
