package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static dev.dialtone.relay.TestClient.errorCode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.common.TurnCredentials;
import dev.dialtone.common.TurnRestSecret;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.DataAttribute;
import org.ice4j.attribute.LifetimeAttribute;
import org.ice4j.attribute.XorMappedAddressAttribute;
import org.ice4j.attribute.XorPeerAddressAttribute;
import org.ice4j.attribute.XorRelayedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.ice4j.message.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** RFC 8489/8656 behaviour as a client sees it on the wire, against the relay on loopback. */
class TurnProtocolTest {

    private static final TurnRestSecret SECRET = new TurnRestSecret(RelayUnderTest.SECRET);

    private final MutableClock clock = new MutableClock();
    private RelayUnderTest relay;
    private DatagramChannel peer;

    @AfterEach
    void stop() throws Exception {
        if (peer != null) {
            peer.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private void startRelay(Map<String, Object> overrides) throws Exception {
        relay = RelayUnderTest.start(overrides, clock);
        peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        peer.socket().setSoTimeout(2000);
    }

    private TurnCredentials credentials(String user) {
        return SECRET.mint(user, Duration.ofHours(1), clock);
    }

    private static Request allocateRequest() {
        return MessageFactory.createAllocateRequest((byte) 17, false);
    }

    /** Allocates for {@code user} and returns the relayed address. */
    private InetSocketAddress allocate(TestClient client, String user) throws Exception {
        client.useCredentials(credentials(user));
        Message response = client.authenticated(allocateRequest());
        assertSuccess(response);
        return ((XorRelayedAddressAttribute) response.getAttribute(Attribute.XOR_RELAYED_ADDRESS))
                .getAddress(response.getTransactionID());
    }

    private InetSocketAddress peerAddress() throws Exception {
        return (InetSocketAddress) peer.getLocalAddress();
    }

    private byte[] peerReceives() throws Exception {
        byte[] buffer = new byte[2048];
        java.net.DatagramPacket packet = new java.net.DatagramPacket(buffer, buffer.length);
        peer.socket().receive(packet);
        return Arrays.copyOf(buffer, packet.getLength());
    }

    private void peerSends(byte[] payload, InetSocketAddress to) throws Exception {
        peer.send(ByteBuffer.wrap(payload), to);
    }

    @Test
    void bindingOverTcpReturnsTheClientsAddress() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.tcp(relay.address())) {
            Message response = client.exchange(MessageFactory.createBindingRequest(), null);
            assertSuccess(response);
            XorMappedAddressAttribute mapped = (XorMappedAddressAttribute) response.getAttribute(Attribute.XOR_MAPPED_ADDRESS);
            assertEquals(client.localAddress(), mapped.getAddress(response.getTransactionID()));
        }
    }

    @Test
    void allocateWithoutCredentialsIsChallengedWithRealmAndNonce() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.udp(relay.address())) {
            Message response = client.exchange(allocateRequest(), null);
            assertEquals(401, errorCode(response));
            assertNotNull(response.getAttribute(Attribute.REALM));
            assertNotNull(response.getAttribute(Attribute.NONCE));
        }
    }

    @Test
    void forgedExpiredOrForeignCredentialsGet401AndNoAllocation() throws Exception {
        startRelay(Map.of());
        TurnCredentials valid = credentials("mallory");
        TurnCredentials expired = SECRET.mint("mallory", Duration.ofSeconds(-10), clock);
        TurnCredentials otherSecret = new TurnRestSecret("not-the-secret").mint("mallory", Duration.ofHours(1), clock);
        for (TestClientSetup setup : List.<TestClientSetup>of(
                c -> c.useCredentials(valid.username(), "forged-password"),
                c -> c.useCredentials(expired),
                c -> c.useCredentials(otherSecret),
                c -> c.useCredentials("mallory", SECRET.passwordFor("mallory")))) {
            try (TestClient client = TestClient.udp(relay.address())) {
                setup.apply(client);
                assertEquals(401, errorCode(client.authenticated(allocateRequest())));
            }
        }
        assertEquals(0, relay.server.counters().allocations());
    }

    @Test
    void anExpiredNonceGets438AndTheClientRetriesWithTheFreshOne() throws Exception {
        startRelay(Map.of("dialtone.relay.nonce-lifetime", "10m"));
        try (TestClient client = TestClient.udp(relay.address())) {
            allocate(client, "alice");
            clock.advance(Duration.ofMinutes(11));
            assertSuccess(client.authenticated(MessageFactory.createRefreshRequest(600)));
            assertEquals(1, client.staleNonces(), "the old nonce was not answered with 438");
        }
    }

    private void permit(TestClient client, InetSocketAddress peerAt) throws Exception {
        assertSuccess(client.authenticated(TestClient.createPermission(peerAt)));
    }

    private void bind(TestClient client, int channel, InetSocketAddress peerAt) throws Exception {
        assertSuccess(client.authenticated(TestClient.channelBind(channel, peerAt)));
    }

    private static Message sendIndication(InetSocketAddress peerAt, byte[] data) throws Exception {
        return TestClient.sendIndication(peerAt, data);
    }

    @Test
    void relaysBothWaysWithSendAndDataIndicationsThenChannels() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.udp(relay.address())) {
            InetSocketAddress relayed = allocate(client, "alice");
            InetSocketAddress peerAt = peerAddress();
            permit(client, peerAt);

            client.send(sendIndication(peerAt, "hello peer".getBytes()));
            assertArrayEquals("hello peer".getBytes(), peerReceives());

            peerSends("hello client".getBytes(), relayed);
            Message data = client.receiveMessage();
            assertEquals(Message.DATA_INDICATION, data.getMessageType());
            assertEquals(peerAt, ((XorPeerAddressAttribute) data.getAttribute(Attribute.XOR_PEER_ADDRESS))
                    .getAddress(data.getTransactionID()));
            assertArrayEquals("hello client".getBytes(), ((DataAttribute) data.getAttribute(Attribute.DATA)).getData());

            bind(client, 0x4001, peerAt);
            client.sendChannelData(0x4001, "on channel".getBytes());
            assertArrayEquals("on channel".getBytes(), peerReceives());
            peerSends("back on channel".getBytes(), relayed);
            byte[] frame = client.receiveRaw();
            assertEquals(0x4001, ByteBuffer.wrap(frame).getShort(0) & 0xFFFF);
            assertEquals("back on channel", new String(frame, 4, ByteBuffer.wrap(frame).getShort(2)));
            // counted just after the send, so the last one may land a moment after the client has it
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (relay.server.counters().relayedPackets() < 4 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(4, relay.server.counters().relayedPackets());
            assertEquals("hello peer".length() + "hello client".length() + "on channel".length()
                    + "back on channel".length(), relay.server.counters().relayedBytes());
        }
    }

    @Test
    void aBurstOfChannelDataReachesThePeerWholeAndInOrder() throws Exception {
        // more than one read's batch at once: what the relay sends must not be overwritten by its next read
        startRelay(Map.of());
        peer.socket().setReceiveBufferSize(4 << 20);
        try (TestClient client = TestClient.udp(relay.address())) {
            allocate(client, "alice");
            bind(client, 0x4002, peerAddress());
            int count = 400;
            for (int i = 0; i < count; i++) {
                client.sendChannelData(0x4002, burstPayload(i));
            }
            for (int i = 0; i < count; i++) {
                assertArrayEquals(burstPayload(i), peerReceives(), "datagram " + i);
            }
        }
    }

    /** Datagram {@code i} of a burst: its own length (1-600 bytes) and bytes. */
    private static byte[] burstPayload(int i) {
        byte[] payload = new byte[1 + (i * 37) % 600];
        for (int j = 0; j < payload.length; j++) {
            payload[j] = (byte) (i * 31 + j);
        }
        return payload;
    }

    @Test
    void channelDataOverTcpIsPaddedToFourBytes() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.tcp(relay.address())) {
            InetSocketAddress relayed = allocate(client, "alice");
            bind(client, 0x4000, peerAddress());
            client.sendChannelData(0x4000, "12345".getBytes());
            assertArrayEquals("12345".getBytes(), peerReceives());
            peerSends("abcde".getBytes(), relayed);
            byte[] frame = client.receiveRaw();
            assertEquals(12, frame.length, "4-byte header, 5 bytes of data, 3 of padding");
            assertEquals("abcde", new String(frame, 4, 5));
        }
    }

    @Test
    void closingATcpConnectionDeletesItsAllocation() throws Exception {
        startRelay(Map.of());
        TestClient client = TestClient.tcp(relay.address());
        InetSocketAddress relayed = allocate(client, "alice");
        assertEquals(1, relay.server.counters().allocations());
        client.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (relay.server.counters().allocations() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, relay.server.counters().allocations());
        // the JDK releases a socket closed while registered with a selector (the stream clients'
        // relay loop) at that selector's next select, which on a loaded machine takes a moment
        while (true) {
            try (DatagramChannel reuse = DatagramChannel.open().bind(relayed)) {
                assertTrue(reuse.isOpen(), "the relayed port is free again");
                return;
            } catch (java.net.BindException stillBound) {
                if (System.nanoTime() > deadline) {
                    throw stillBound;
                }
                Thread.sleep(20);
            }
        }
    }

    @Test
    void nothingFlowsWithoutAPermissionOrAfterItExpires() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.udp(relay.address())) {
            InetSocketAddress relayed = allocate(client, "alice");
            InetSocketAddress peerAt = peerAddress();
            peerSends("unsolicited".getBytes(), relayed);
            client.send(sendIndication(peerAt, "no permission".getBytes()));
            assertTrue(client.silentFor(300), "data from a peer without permission reached the client");

            bind(client, 0x4002, peerAt);
            client.sendChannelData(0x4002, "allowed".getBytes());
            assertArrayEquals("allowed".getBytes(), peerReceives());

            clock.advance(Duration.ofSeconds(301)); // permission (300 s) over, channel (600 s) not yet
            peerSends("too late".getBytes(), relayed);
            assertTrue(client.silentFor(300), "data passed an expired permission");

            bind(client, 0x4002, peerAt); // refreshes channel and permission
            peerSends("again".getBytes(), relayed);
            assertEquals("again", new String(client.receiveRaw(), 4, 5));

            clock.advance(Duration.ofSeconds(601)); // both over
            client.sendChannelData(0x4002, "expired channel".getBytes());
            peerSends("expired channel".getBytes(), relayed);
            assertTrue(client.silentFor(300), "data passed an expired channel");
        }
    }

    @Test
    void refreshWithLifetimeZeroDeletesTheAllocation() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.udp(relay.address())) {
            allocate(client, "alice");
            assertEquals(1, relay.server.counters().allocations());
            Message response = client.authenticated(MessageFactory.createRefreshRequest(0));
            assertSuccess(response);
            assertEquals(0, ((LifetimeAttribute) response.getAttribute(Attribute.LIFETIME)).getLifetime());
            assertEquals(0, relay.server.counters().allocations());
            assertEquals(437, errorCode(client.authenticated(MessageFactory.createRefreshRequest(600))));
        }
    }

    @Test
    void refreshCapsTheLifetimeAtTheMaximum() throws Exception {
        startRelay(Map.of("dialtone.relay.max-lifetime", "20m"));
        try (TestClient client = TestClient.udp(relay.address())) {
            allocate(client, "alice");
            Message response = client.authenticated(MessageFactory.createRefreshRequest(86_400));
            assertEquals(1200, ((LifetimeAttribute) response.getAttribute(Attribute.LIFETIME)).getLifetime());
        }
    }

    @Test
    void anAllocationEndsWhenItsLifetimeRunsOut() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.udp(relay.address())) {
            allocate(client, "alice");
            clock.advance(Duration.ofMinutes(11));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (relay.server.counters().allocations() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, relay.server.counters().allocations());
        }
    }

    @Test
    void aSecondAllocateOnTheSameFiveTupleIs437ButARetransmitGetsTheSameAnswer() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.udp(relay.address())) {
            client.useCredentials(credentials("alice"));
            Request first = allocateRequest();
            Message response = client.authenticated(first);
            assertSuccess(response);
            // the same signed transaction again, as a client whose response was lost sends it
            client.resendLast();
            Message again = client.receiveMessage();
            assertArrayEquals(response.getTransactionID(), again.getTransactionID());
            assertEquals(response.getAttribute(Attribute.XOR_RELAYED_ADDRESS), again.getAttribute(Attribute.XOR_RELAYED_ADDRESS));
            assertEquals(437, errorCode(client.authenticated(allocateRequest())));
        }
    }

    @Test
    void quotasPerUserAndInTotal() throws Exception {
        startRelay(Map.of("dialtone.relay.user-quota", 2, "dialtone.relay.total-quota", 3));
        List<TestClient> clients = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                clients.add(TestClient.udp(relay.address()));
            }
            allocate(clients.get(0), "alice");
            allocate(clients.get(1), "alice");
            clients.get(2).useCredentials(credentials("alice"));
            assertEquals(486, errorCode(clients.get(2).authenticated(allocateRequest())));
            allocate(clients.get(2), "bob");
            clients.get(3).useCredentials(credentials("carol"));
            assertEquals(508, errorCode(clients.get(3).authenticated(allocateRequest())));
        } finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void onlyUdpRelayingIsOffered() throws Exception {
        startRelay(Map.of());
        try (TestClient client = TestClient.udp(relay.address())) {
            client.useCredentials(credentials("alice"));
            assertEquals(442, errorCode(client.authenticated(MessageFactory.createAllocateRequest((byte) 6, false))));
        }
    }

    @Test
    void loopbackAndPrivatePeersAreForbiddenUnlessAllowed() throws Exception {
        startRelay(Map.of("dialtone.relay.allow-loopback-peers", false,
                "dialtone.relay.allowed-peer-cidrs", List.of("10.1.0.0/16")));
        try (TestClient client = TestClient.udp(relay.address())) {
            allocate(client, "alice");
            for (String denied : List.of("127.0.0.1", "192.168.1.10", "10.2.0.1", "169.254.1.1", "224.0.0.1")) {
                Message response = client.authenticated(TestClient.createPermission(new InetSocketAddress(denied, 5000)));
                assertEquals(403, errorCode(response), denied);
            }
            assertSuccess(client.authenticated(TestClient.createPermission(new InetSocketAddress("10.1.2.3", 5000))));
        }
    }

    @Test
    void theExternalIpIsAdvertisedAsTheRelayedAddress() throws Exception {
        startRelay(Map.of("dialtone.relay.external-ip", "203.0.113.7"));
        try (TestClient client = TestClient.udp(relay.address())) {
            assertEquals("203.0.113.7", allocate(client, "alice").getAddress().getHostAddress());
        }
    }

    @Test
    void theBandwidthCapDropsWhatExceedsIt() throws Exception {
        startRelay(Map.of("dialtone.relay.max-bytes-per-second", 1000));
        try (TestClient client = TestClient.udp(relay.address())) {
            allocate(client, "alice");
            bind(client, 0x4003, peerAddress());
            for (int i = 0; i < 20; i++) {
                client.sendChannelData(0x4003, new byte[200]);
            }
            int received = 0;
            peer.socket().setSoTimeout(300);
            try {
                while (true) {
                    peerReceives();
                    received++;
                }
            } catch (java.net.SocketTimeoutException done) {
                // nothing more in flight
            }
            assertEquals(5, received, "1000 bytes/s lets five 200-byte packets through at once");
        }
    }

    @Test
    void closeReleasesEveryPort() throws Exception {
        startRelay(Map.of());
        InetSocketAddress relayed;
        try (TestClient client = TestClient.udp(relay.address())) {
            relayed = allocate(client, "alice");
        }
        relay.close();
        try (DatagramChannel listener = DatagramChannel.open().bind(relay.address());
             DatagramChannel relayPort = DatagramChannel.open().bind(relayed);
             java.net.ServerSocket tcp = new java.net.ServerSocket(relay.port, 1, relay.address().getAddress())) {
            assertTrue(listener.isOpen() && relayPort.isOpen() && tcp.isBound());
        }
        relay = null;
    }

    @FunctionalInterface
    private interface TestClientSetup {
        void apply(TestClient client);
    }
}
