package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.stun.MessageIntegrity;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated packets (truncated, oversized, wrong magic cookie, bad FINGERPRINT, flipped
 * bytes, garbage) must be dropped or answered with 400, and never stop the relay.
 */
class BadInputTest {

    private static final int PACKETS = 100_000;
    private static final int BETWEEN_LIVENESS_CHECKS = 1_000;

    @Test
    void relayKeepsAnsweringAfterAHundredThousandBadPackets() throws Exception {
        Random random = new Random(20261125);
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of());
             TestClient client = TestClient.udp(relay.address());
             TestClient probe = TestClient.udp(relay.address());
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            client.useCredentials(new TurnRestSecret(RelayUnderTest.SECRET).mint("fuzz", Duration.ofHours(1), Clock.systemUTC()));
            assertSuccess(client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false)));
            InetSocketAddress peerAt = (InetSocketAddress) peer.getLocalAddress();
            assertSuccess(client.authenticated(TestClient.channelBind(0x4000, peerAt)));
            List<byte[]> seeds = seeds(peerAt);

            for (int sent = 0; sent < PACKETS; sent++) {
                client.sendRaw(badPacket(random, seeds));
                if (sent % BETWEEN_LIVENESS_CHECKS == BETWEEN_LIVENESS_CHECKS - 1) {
                    // a round trip keeps the relay's socket buffer from overflowing and checks it
                    // lives; from a socket of its own, as the junk's 400 answers fill the client's
                    assertAnswersBinding(probe);
                }
            }

            // the allocation made before the storm still relays
            peer.configureBlocking(true);
            peer.socket().setSoTimeout(2000);
            drain(peer);
            client.sendChannelData(0x4000, "still here".getBytes());
            byte[] received = new byte[100];
            java.net.DatagramPacket packet = new java.net.DatagramPacket(received, received.length);
            do {
                peer.socket().receive(packet);
            } while (!new String(received, 0, packet.getLength()).equals("still here"));
        }
    }

    @Test
    void garbageOnTcpConnectionsClosesThemButNotTheListener() throws Exception {
        Random random = new Random(7);
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of())) {
            for (int i = 0; i < 50; i++) {
                try (Socket socket = new Socket(relay.address().getAddress(), relay.port)) {
                    byte[] junk = new byte[random.nextInt(20_000)];
                    random.nextBytes(junk);
                    OutputStream out = socket.getOutputStream();
                    try {
                        out.write(junk);
                    } catch (IOException closedByRelay) {
                        // the relay may hang up mid-write on a bad frame: that is the point
                    }
                }
            }
            try (TestClient client = TestClient.tcp(relay.address())) {
                assertSuccess(client.exchange(MessageFactory.createBindingRequest(), null));
            }
        }
    }

    @Test
    void aBadFingerprintIsAnswered400() throws Exception {
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of());
             TestClient client = TestClient.udp(relay.address())) {
            Message binding = MessageFactory.createBindingRequest();
            binding.setTransactionID(TestClient.newTransactionId());
            byte[] bytes = MessageIntegrity.seal(binding.encode(null), null);
            bytes[bytes.length - 1] ^= 1;
            client.sendRaw(bytes);
            Message response = client.receiveMessage();
            assertArrayEquals(binding.getTransactionID(), response.getTransactionID());
            assertTrue(TestClient.errorCode(response) == 400);
        }
    }

    /**
     * A Binding request gets its answer, retransmitted as RFC 8489 clients do: a burst of junk can
     * overflow the kernel's socket buffer, which drops datagrams before the relay sees them.
     */
    private static void assertAnswersBinding(TestClient client) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                assertSuccess(client.exchange(MessageFactory.createBindingRequest(), null));
                return;
            } catch (java.net.SocketTimeoutException lost) {
                if (attempt == 5) {
                    throw lost;
                }
            }
        }
    }

    /** Well-formed messages of every kind the relay handles, to mutate. */
    private static List<byte[]> seeds(InetSocketAddress peerAt) throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        byte[] id = TestClient.newTransactionId();
        for (Message message : List.of(MessageFactory.createBindingRequest(),
                MessageFactory.createAllocateRequest((byte) 17, true),
                MessageFactory.createRefreshRequest(600),
                MessageFactory.createCreatePermissionRequest(TestClient.udpAddress(peerAt), id),
                MessageFactory.createChannelBindRequest((char) 0x4001, TestClient.udpAddress(peerAt), id),
                MessageFactory.createSendIndication(TestClient.udpAddress(peerAt), new byte[40], id))) {
            message.setTransactionID(id);
            seeds.add(MessageIntegrity.seal(message.encode(null), new byte[16]));
        }
        seeds.add(ByteBuffer.allocate(44).putShort((short) 0x4000).putShort((short) 40).array());
        return seeds;
    }

    private static byte[] badPacket(Random random, List<byte[]> seeds) {
        byte[] seed = seeds.get(random.nextInt(seeds.size()));
        switch (random.nextInt(7)) {
            case 0: { // pure garbage
                byte[] junk = new byte[random.nextInt(1500)];
                random.nextBytes(junk);
                return junk;
            }
            case 1: // truncated
                return Arrays.copyOf(seed, random.nextInt(seed.length));
            case 2: { // claims more than it carries
                byte[] longer = seed.clone();
                ByteBuffer.wrap(longer).putShort(2, (short) (random.nextInt(65_536)));
                return longer;
            }
            case 3: { // wrong magic cookie
                byte[] wrong = seed.clone();
                if (wrong.length >= 8) {
                    wrong[4 + random.nextInt(4)] ^= (byte) (1 + random.nextInt(255));
                }
                return wrong;
            }
            case 4: { // oversized: trailing junk
                byte[] bigger = Arrays.copyOf(seed, seed.length + 1 + random.nextInt(4_000));
                return bigger;
            }
            default: { // a few flipped bytes, which breaks FINGERPRINT, lengths, types or addresses
                byte[] flipped = seed.clone();
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    flipped[random.nextInt(flipped.length)] ^= (byte) (1 + random.nextInt(255));
                }
                return flipped;
            }
        }
    }

    private static void drain(DatagramChannel peer) throws IOException {
        peer.configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocate(65_535);
        while (peer.receive(sink.clear()) != null) {
            // discard what the mutated ChannelData delivered
        }
        peer.configureBlocking(true);
    }
}
