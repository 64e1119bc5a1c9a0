package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dialtone.common.TurnRestSecret;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.DataAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TCP and TLS connections and the relay sockets of their allocations share one loop, its one
 * full-size receive buffer and small per-connection buffers: whatever a peer sends, up to the
 * largest UDP datagram, reaches the stream client whole, the first time, for every allocation (over
 * TLS: as several records); and whatever a client sends, up to the largest Send indication, reaches
 * the peer whole.
 */
class StreamLoopTest {

    private static final int[] SIZES = {1, 1200, 2049, 9000, 16_385, 65_507};

    private static TestClient client(RelayUnderTest relay, String transport) throws Exception {
        return transport.equals("tls")
                ? TestClient.tls(new InetSocketAddress("127.0.0.1", relay.tlsPort), 0)
                : TestClient.tcp(relay.address());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tls"})
    void datagramsOfEverySizeReachEveryStreamClientWholeTheFirstTime(String transport) throws Exception {
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of());
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             TestClient alice = client(relay, transport);
             TestClient bob = client(relay, transport)) {
            InetSocketAddress toAlice = allocate(alice, "alice", peer);
            InetSocketAddress toBob = allocate(bob, "bob", peer);
            Random random = new Random(21);
            // the largest is the largest IPv4 UDP payload (65,535 less the IP and UDP headers)
            for (int size : SIZES) {
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

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tls"})
    void sendIndicationsOfEverySizeReachThePeerWhole(String transport) throws Exception {
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of());
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             TestClient alice = client(relay, transport)) {
            InetSocketAddress relayed = allocate(alice, "alice", peer);
            Random random = new Random(22);
            DatagramPacket received = new DatagramPacket(new byte[65_536], 65_536);
            peer.socket().setSoTimeout(10_000);
            // the largest Send indication's data: a 16-bit STUN length less the header's peer address and DATA's own
            for (int size : new int[] {1, 1200, 2049, 9000, 16_385, 65_000}) {
                byte[] data = new byte[size];
                random.nextBytes(data);
                alice.send(TestClient.sendIndication((InetSocketAddress) peer.getLocalAddress(), data));
                received.setLength(65_536);
                peer.socket().receive(received);
                assertEquals(relayed, received.getSocketAddress(), size + " bytes from alice's relayed address");
                assertArrayEquals(data, Arrays.copyOf(received.getData(), received.getLength()), size + " bytes to the peer");
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
