package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
    /**
     * Bad packets in flight at most: the test waits for the relay to have handled them before
     * sending more. 32 of the largest (about 5.5 KB, 8 KB of kernel memory each) fit in the
     * smallest receive buffer the relay can get (twice Linux's default rmem_max of 208 KB), so the
     * kernel never drops one, whatever the machine's load or the relay's number of UDP loops.
     */
    private static final int IN_FLIGHT = 32;
    private static final int BETWEEN_LIVENESS_CHECKS = 1_000;
    /** Only a relay that stopped handling packets takes this long to make progress. */
    private static final Duration STALL = Duration.ofSeconds(60);

    /*
     * This test used to send the 100,000 packets unpaced, relying on a Binding round trip from a
     * second socket every 1,000 packets to keep the relay's socket buffer from overflowing, and
     * then gave the last ChannelData 2 s to reach the peer. With more than one UDP loop (one per
     * CPU, SO_REUSEPORT) the kernel may hash the probe to another loop than the flooding client,
     * so the round trip paced nothing: on a loaded machine the client's loop fell seconds behind
     * and the final ChannelData waited behind thousands of bad packets, or was lost when the
     * buffer overflowed. Now every packet is accounted for (answered, relayed or counted as
     * dropped) before more are sent, and no wait is a bound on the relay's speed.
     */
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
            RelayCounters counters = relay.server.counters();
            Handled handled = new Handled(client, counters, counters.relayedPackets() + counters.droppedPackets());

            for (int sent = 1; sent <= PACKETS; sent++) {
                client.sendRaw(badPacket(random, seeds));
                if (sent % IN_FLIGHT == 0 || sent == PACKETS) {
                    handled.await(sent);
                }
                if (sent % BETWEEN_LIVENESS_CHECKS == 0) {
                    // from a socket of its own: the relay keeps answering others during the storm
                    assertAnswersBinding(probe);
                }
            }
            assertEquals(PACKETS, handled.count(), "every bad packet answered or counted as relayed or dropped");
            assertEquals(0, counters.droppedPackets(DropReason.INTERNAL_ERROR), "packets dropped on an internal error");

            // the allocation made before the storm still relays
            peer.configureBlocking(true);
            peer.socket().setSoTimeout((int) STALL.toMillis());
            drain(peer);
            client.sendChannelData(0x4000, "still here".getBytes());
            byte[] received = new byte[100];
            java.net.DatagramPacket packet = new java.net.DatagramPacket(received, received.length);
            do {
                peer.socket().receive(packet);
            } while (!new String(received, 0, packet.getLength()).equals("still here"));
        }
    }

    /**
     * How many of the client's packets the relay has handled: answers the client received, plus
     * packets relayed or dropped (the relay counts every packet it neither answers nor relays).
     */
    private static final class Handled {
        private final TestClient client;
        private final RelayCounters counters;
        private final long countedBefore;
        private long answers;

        Handled(TestClient client, RelayCounters counters, long countedBefore) throws IOException {
            this.client = client;
            this.counters = counters;
            this.countedBefore = countedBefore;
            client.receiveTimeout(1); // reads answers while waiting for the counters
        }

        long count() {
            return answers + counters.relayedPackets() + counters.droppedPackets() - countedBefore;
        }

        /** Returns once {@code sent} packets are handled, reading the answers as they come. */
        void await(long sent) throws IOException {
            long lastProgress = System.nanoTime();
            long seen = count();
            while (seen < sent) {
                try {
                    client.receiveRaw();
                    answers++;
                } catch (java.net.SocketTimeoutException nothingYet) {
                    // the counters may have moved
                }
                long now = count();
                if (now != seen) {
                    seen = now;
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                    fail("the relay handled " + seen + " of " + sent + " packets and then nothing for " + STALL
                            + " (answers " + answers + ", relayed " + counters.relayedPackets() + ", dropped "
                            + counters.droppedPackets() + ")");
                }
            }
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
                client.receiveTimeout((int) STALL.toMillis()); // TCP loses nothing: wait for the answer
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
            client.receiveTimeout((int) STALL.toMillis()); // one datagram to an idle relay on loopback
            client.sendRaw(bytes);
            Message response = client.receiveMessage();
            assertArrayEquals(binding.getTransactionID(), response.getTransactionID());
            assertTrue(TestClient.errorCode(response) == 400);
        }
    }

    /**
     * A Binding request gets its answer. Retransmitted (the same transaction) every 2 s as RFC
     * 8489 clients do, though with the storm paced nothing should be lost; only a relay silent for
     * {@link #STALL} fails.
     */
    private static void assertAnswersBinding(TestClient client) throws Exception {
        Message binding = MessageFactory.createBindingRequest();
        long deadline = System.nanoTime() + STALL.toNanos();
        while (true) {
            try {
                assertSuccess(client.exchange(binding, null));
                return;
            } catch (java.net.SocketTimeoutException unanswered) {
                if (System.nanoTime() > deadline) {
                    throw unanswered;
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
