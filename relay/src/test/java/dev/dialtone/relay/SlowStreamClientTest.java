package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.stun.MessageIntegrity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.DataAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A TCP (or TLS) client that allocates and then reads nothing, while a peer floods it and other clients
 * hairpin data to it through the relay: everyone else keeps relaying, what cannot reach the slow
 * client is dropped and counted ({@code client_slow}), what waits for it stays within its write
 * queue's bound, nothing is logged at ERROR, and once it has read nothing for 30 s (the relay's
 * clock) while its queue overflowed, its connection and allocation end.
 */
class SlowStreamClientTest {

    /** The write queue's bound (docs/relay.md): what may wait for one stream client. */
    private static final long QUEUE_LIMIT = 256 * 1024;
    /** Bounds of every flood: a relay that cannot fill a queue with this much is not being tested. */
    private static final int MAX_DATAGRAMS = 100_000;
    private static final Duration MAX_FLOOD = Duration.ofSeconds(60);
    private static final byte[] PAYLOAD = new byte[1000];

    private final MutableClock clock = new MutableClock();
    private RelayUnderTest relay;
    private CapturedLog errors;

    @BeforeEach
    void start() throws Exception {
        errors = CapturedLog.atLeast(Level.ERROR);
        relay = RelayUnderTest.start(Map.of(), clock);
    }

    @AfterEach
    void stop() {
        relay.close();
        errors.close();
    }

    private InetSocketAddress allocate(TestClient client, String user) throws Exception {
        client.useCredentials(new TurnRestSecret(RelayUnderTest.SECRET).mint(user, Duration.ofHours(1), clock));
        client.receiveTimeout(10_000); // the machine is shared and loaded: an answer may take a while
        Message response = client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false));
        assertSuccess(response);
        // loopback peers: one permission for 127.0.0.1 lets in the test's peer and every relayed address
        assertSuccess(client.authenticated(TestClient.createPermission(new InetSocketAddress("127.0.0.1", 9))));
        return ((XorRelayedAddressAttribute) response.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                .getAddress(response.getTransactionID());
    }

    private long slowDrops() {
        return relay.server.counters().droppedPackets(DropReason.CLIENT_SLOW);
    }

    /** Sends datagrams from {@code peer} to {@code to} until the slow client's drops pass {@code drops}. */
    private void floodUntilDropsPass(DatagramChannel peer, InetSocketAddress to, long drops) throws Exception {
        long deadline = System.nanoTime() + MAX_FLOOD.toNanos();
        for (int sent = 0; slowDrops() <= drops; sent++) {
            assertTrue(sent < MAX_DATAGRAMS && System.nanoTime() < deadline,
                    "no client_slow drop after " + sent + " datagrams to a client that reads nothing");
            peer.send(ByteBuffer.wrap(PAYLOAD), to);
            assertTrue(relay.server.counters().streamQueuedBytes() <= 2 * QUEUE_LIMIT,
                    "two TCP clients queue at most twice the bound");
        }
    }

    /** {@code peer} sends one datagram to {@code relayed}, whose client must get it. */
    private static void assertRelays(DatagramChannel peer, InetSocketAddress relayed, TestClient client, String what)
            throws Exception {
        byte[] marker = (what + " " + System.nanoTime()).getBytes();
        peer.send(ByteBuffer.wrap(marker), relayed);
        while (true) {
            Message data = client.receiveMessage(); // fails after the client's receive timeout
            if (data.getMessageType() == Message.DATA_INDICATION
                    && Arrays.equals(((DataAttribute) data.getAttribute(Attribute.DATA)).getData(), marker)) {
                return;
            }
        }
    }

    /**
     * The slow client, a UDP and a TCP client that read as they should, each with an allocation
     * that lets in loopback, and a peer on loopback.
     */
    private record Clients(TestClient slow, TestClient udp, TestClient tcp, DatagramChannel peer,
                           InetSocketAddress slowRelayed, InetSocketAddress udpRelayed, InetSocketAddress tcpRelayed)
            implements AutoCloseable {

        @Override
        public void close() throws IOException {
            try (slow; udp; tcp; peer) {
                // all closed, whichever fails
            }
        }
    }

    private Clients clients(TestClient slow) throws Exception {
        TestClient udp = TestClient.udp(relay.address());
        TestClient tcp = TestClient.tcp(relay.address());
        DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        return new Clients(slow, udp, tcp, peer, allocate(slow, "slow"), allocate(udp, "udp"), allocate(tcp, "tcp"));
    }

    @Test
    void aPeerFloodingAClientThatReadsNothingCostsOnlyThatClientsData() throws Exception {
        try (Clients c = clients(TestClient.tcp(relay.address(), 8192))) {
            floodUntilDropsPass(c.peer(), c.slowRelayed(), 0);
            assertRelays(c.peer(), c.udpRelayed(), c.udp(), "to the UDP client");
            assertRelays(c.peer(), c.tcpRelayed(), c.tcp(), "to the other TCP client");
            assertSuccess(c.tcp().authenticated(MessageFactory.createRefreshRequest(600)));
            assertOnlyTheSlowClientsQueueIsLeft();
        }
        assertEquals(List.of(), errors.lines(), "nothing logged at ERROR");
    }

    @Test
    void clientsHairpinningToAClientThatReadsNothingAreNotStalled() throws Exception {
        try (Clients c = clients(TestClient.tcp(relay.address(), 8192))) {
            // the relay hands these to the slow client inside (hairpin), on the UDP loop's thread and
            // the other TCP connection's: more than the kernel's socket buffers and the queue hold
            int hairpinned = 5_000;
            for (int i = 1; i <= hairpinned; i++) {
                c.udp().send(TestClient.sendIndication(c.slowRelayed(), PAYLOAD));
                c.tcp().send(TestClient.sendIndication(c.slowRelayed(), PAYLOAD));
                if (i % 500 == 0) {
                    assertRelays(c.peer(), c.udpRelayed(), c.udp(), "to the UDP client after hairpinning " + i);
                    assertRelays(c.peer(), c.tcpRelayed(), c.tcp(), "to the TCP client after hairpinning " + i);
                    assertSuccess(c.udp().authenticated(MessageFactory.createRefreshRequest(600)));
                    assertSuccess(c.tcp().authenticated(MessageFactory.createRefreshRequest(600)));
                }
            }
            long drops = slowDrops();
            assertTrue(drops > 0 && drops <= 2L * hairpinned, "hairpinned packets dropped: " + drops);
            assertOnlyTheSlowClientsQueueIsLeft();
        }
        assertEquals(List.of(), errors.lines(), "nothing logged at ERROR");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tls"})
    void aClientThatReadsNothingForThirtySecondsWhileItOverflowsIsDisconnected(String transport) throws Exception {
        try (Clients c = clients(transport.equals("tls")
                ? TestClient.tls(new InetSocketAddress("127.0.0.1", relay.tlsPort), 8192)
                : TestClient.tcp(relay.address(), 8192))) {
            floodUntilStuck(c.peer(), c.slowRelayed());
            clock.advance(Duration.ofSeconds(29));
            floodUntilDropsPass(c.peer(), c.slowRelayed(), slowDrops());
            awaitQuiet();
            assertEquals(3, relay.server.counters().allocations(), "29 s are not enough");

            clock.advance(Duration.ofSeconds(2)); // 31 s of the relay's clock without taking a byte
            floodUntilDropsPass(c.peer(), c.slowRelayed(), slowDrops());
            awaitAllocations(2);
            awaitQueued(0);
            assertRelays(c.peer(), c.udpRelayed(), c.udp(), "to the UDP client");
            assertRelays(c.peer(), c.tcpRelayed(), c.tcp(), "to the other TCP client");
        }
        assertEquals(List.of(), errors.lines(), "nothing logged at ERROR");
    }

    @Test
    void answersToAClientThatAsksAndDoesNotReadAreDroppedAndWhatIsKeptArrivesWholeAndInOrder() throws Exception {
        int requests = 150_000; // their answers are more than the kernel and the queue hold
        ByteArrayOutputStream pipelined = new ByteArrayOutputStream();
        for (int i = 0; i < requests; i++) {
            byte[] id = new byte[12];
            ByteBuffer.wrap(id).putInt(i);
            Message binding = MessageFactory.createBindingRequest();
            binding.setTransactionID(id);
            pipelined.writeBytes(MessageIntegrity.seal(binding.encode(null), null));
        }
        try (TestClient slow = TestClient.tcp(relay.address(), 8192);
             TestClient other = TestClient.tcp(relay.address())) {
            slow.sendRaw(pipelined.toByteArray());
            long deadline = System.nanoTime() + MAX_FLOOD.toNanos();
            while (slowDrops() == 0 || relay.server.counters().streamQueuedBytes() < QUEUE_LIMIT / 2) {
                assertTrue(System.nanoTime() < deadline, "no answer dropped; queued "
                        + relay.server.counters().streamQueuedBytes());
                Thread.sleep(10);
            }
            other.receiveTimeout(10_000);
            assertSuccess(other.exchange(MessageFactory.createBindingRequest(), null));
            awaitQuiet();
            long dropped = slowDrops();

            // now it reads: answers, each whole, in the order asked, the dropped ones missing
            slow.receiveTimeout(10_000);
            int previous = -1;
            int answers = 0;
            while (answers + dropped < requests) {
                Message answer = slow.receiveMessage();
                assertSuccess(answer);
                int index = ByteBuffer.wrap(answer.getTransactionID()).getInt();
                assertTrue(index > previous && index < requests, index + " after " + previous);
                previous = index;
                answers++;
            }
            assertEquals(requests, answers + dropped, "every request answered or counted as dropped");
            assertEquals(dropped, relay.server.counters().droppedPackets(), "no drop for another reason");
        }
        assertEquals(List.of(), errors.lines(), "nothing logged at ERROR");
    }

    /** What waits for stream clients comes down to the slow one's queue, which stays within its bound. */
    private void assertOnlyTheSlowClientsQueueIsLeft() throws InterruptedException {
        awaitQueued(QUEUE_LIMIT);
    }

    /**
     * Floods until the kernel holds all it will for the slow client (its socket's send buffer,
     * autotuned up to megabytes, and the client's small receive buffer) and its queue is full: a
     * round of datagrams that are all dropped, none relayed. From then on its writer cannot move.
     */
    private void floodUntilStuck(DatagramChannel peer, InetSocketAddress to) throws Exception {
        long deadline = System.nanoTime() + MAX_FLOOD.toNanos();
        for (int sent = 0; ; ) {
            long relayed = relay.server.counters().relayedPackets();
            long drops = slowDrops();
            for (int i = 0; i < 500; i++, sent++) {
                peer.send(ByteBuffer.wrap(PAYLOAD), to);
            }
            awaitQuiet();
            if (relay.server.counters().relayedPackets() == relayed && slowDrops() > drops) {
                return;
            }
            assertTrue(sent < MAX_DATAGRAMS && System.nanoTime() < deadline, "still relaying after " + sent);
        }
    }

    /** Waits until the relay has handled what it received: the counters stop moving for 100 ms. */
    private void awaitQuiet() throws InterruptedException {
        long seen = -1;
        for (long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos(); System.nanoTime() < deadline; ) {
            long now = relay.server.counters().relayedPackets() + relay.server.counters().droppedPackets();
            if (now == seen) {
                return;
            }
            seen = now;
            Thread.sleep(100);
        }
    }

    /** Waits until what waits for stream clients is at most {@code bytes}. */
    private void awaitQueued(long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (relay.server.counters().streamQueuedBytes() > bytes) {
            assertTrue(System.nanoTime() < deadline, "queued " + relay.server.counters().streamQueuedBytes());
            Thread.sleep(10);
        }
    }

    private void awaitAllocations(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (relay.server.counters().allocations() != expected) {
            assertTrue(System.nanoTime() < deadline, "allocations " + relay.server.counters().allocations());
            Thread.sleep(10);
        }
    }
}
