package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.stun.MessageIntegrity;
import dev.dialtone.relay.stun.Stun;
import dev.dialtone.relay.stun.StunRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.NonceAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;

/**
 * Well-formed, correctly framed requests with hostile fields ({@link HostileRequests}) over UDP
 * and over TCP, one at a time from a few clients. Every request must get a well-formed answer
 * (framing, method, class, transaction id, FINGERPRINT, a known error code, REALM and NONCE with
 * 401/438, MESSAGE-INTEGRITY under the client's key on success); every Send indication and
 * ChannelData must be relayed or counted as dropped, exactly once. Nothing may be logged at ERROR,
 * no packet may be dropped on an internal error, and every TCP connection stays open.
 *
 * <p>The seed is random per run and printed; {@code -Ddialtone.fuzz.seed=N} replays a run.
 */
class StructuredFuzzTest {

    private static final int MESSAGES = 20_000;
    /** Bounds the run on a very loaded machine; the count says how far it got. */
    private static final Duration TIME_BOUND = Duration.ofSeconds(90);
    private static final int CLIENTS = 4;
    /** UDP: a request is sent again after this, the same transaction, as RFC 8489 clients retransmit. */
    private static final int RETRANSMIT_MILLIS = 2_000;
    /** Only a relay that stopped answering takes this long; TCP waits it in one go. */
    private static final Duration STALL = Duration.ofSeconds(60);
    private static final Set<Integer> ERROR_CODES = Set.of(400, 401, 403, 420, 437, 438, 440, 441, 442, 443, 486, 508);
    /** Errors given only once the request is authenticated, so signed with the client's key. */
    private static final Set<Integer> AUTHENTICATED_ERRORS = Set.of(403, 437, 440, 441, 442, 443, 486, 508);
    private static final int SUCCESS_CLASS = 0x0100;
    private static final int ERROR_CLASS = 0x0110;

    @Test
    void everyRequestOverUdpIsAnsweredAndEveryIndicationCounted() throws Exception {
        fuzz(false);
    }

    @Test
    void everyRequestOverTcpIsAnsweredAndTheConnectionsStayOpen() throws Exception {
        fuzz(true);
    }

    private static void fuzz(boolean tcp) throws Exception {
        long seed = Long.getLong("dialtone.fuzz.seed", new SecureRandom().nextLong());
        String transport = tcp ? "TCP" : "UDP";
        System.out.printf("StructuredFuzzTest %s: seed %d (replay with -Ddialtone.fuzz.seed=%d)%n", transport, seed, seed);
        Random random = new Random(seed);
        List<TestClient> clients = new ArrayList<>();
        try (CapturedLog errors = CapturedLog.atLeast(Level.ERROR);
             RelayUnderTest relay = RelayUnderTest.start(Map.of());
             DatagramChannel peerA = peer();
             DatagramChannel peerB = peer()) {
            for (int i = 0; i < CLIENTS; i++) {
                TestClient client = tcp ? TestClient.tcp(relay.address()) : TestClient.udp(relay.address());
                client.receiveTimeout(tcp ? (int) STALL.toMillis() : RETRANSMIT_MILLIS);
                clients.add(client);
            }
            HostileRequests requests = new HostileRequests(random, new TurnRestSecret(RelayUnderTest.SECRET),
                    RelayUnderTest.REALM, List.of(address(peerA), address(peerB)));
            RelayCounters counters = relay.server.counters();
            String nonce = null;
            Map<String, Integer> outcomes = new TreeMap<>();
            long started = System.nanoTime();
            long deadline = System.nanoTime() + TIME_BOUND.toNanos();
            int sent = 0;
            for (; sent < MESSAGES && System.nanoTime() < deadline; sent++) {
                HostileRequests.Built message = requests.next(nonce, tcp);
                String context = String.format("seed %d (replay with -Ddialtone.fuzz.seed=%d), %s message #%d: %s",
                        seed, seed, transport, sent, message.description());
                TestClient client = clients.get(random.nextInt(CLIENTS));
                long before = counters.relayedPackets() + counters.droppedPackets();
                if (message.isRequest()) {
                    byte[] answer = exchange(client, message, tcp, context);
                    nonce = judge(message, answer, nonce, context);
                    outcomes.merge(message.kind() + " " + outcome(answer), 1, Integer::sum);
                    assertEquals(before, counters.relayedPackets() + counters.droppedPackets(),
                            "a request was counted as relayed or dropped; " + context);
                } else {
                    send(client, message.bytes(), context);
                    assertCountedOnce(counters, before, context);
                }
                drain(peerA);
                drain(peerB);
            }
            System.out.printf("StructuredFuzzTest %s: %d messages in %d ms, answers %s, %d relayed, dropped %s%n",
                    transport, sent, (System.nanoTime() - started) / 1_000_000, outcomes, counters.relayedPackets(),
                    dropsByReason(counters));
            for (TestClient client : clients) {
                TestClient.assertSuccess(client.exchange(MessageFactory.createBindingRequest(), null));
            }
            assertEquals(0, counters.droppedPackets(DropReason.INTERNAL_ERROR),
                    "packets dropped on an internal error (see the WARN lines); seed " + seed);
            assertEquals(List.of(), errors.lines(), "logged at ERROR; seed " + seed);
        } finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    /** Sends the request until its answer comes (UDP retransmits; TCP must never need to). */
    private static byte[] exchange(TestClient client, HostileRequests.Built request, boolean tcp, String context) {
        long deadline = System.nanoTime() + STALL.toNanos();
        while (System.nanoTime() < deadline) {
            send(client, request.bytes(), context);
            try {
                while (true) {
                    byte[] raw = client.receiveRaw();
                    if (Stun.isMessage(ByteBuffer.wrap(raw), 0, raw.length)
                            && Arrays.equals(Arrays.copyOfRange(raw, 8, Stun.HEADER_LENGTH), request.transactionId())) {
                        return raw;
                    }
                    // a Data indication, ChannelData, or the answer to an earlier retransmission
                }
            } catch (SocketTimeoutException e) {
                if (tcp) {
                    break;
                }
                // UDP: retransmit
            } catch (IOException e) {
                fail("the connection failed while waiting for the answer (" + e + "); " + context, e);
            }
        }
        return fail("no answer within " + STALL + "; " + context);
    }

    private static void send(TestClient client, byte[] bytes, String context) {
        try {
            client.sendRaw(bytes);
        } catch (IOException e) {
            fail("sending failed, the connection is gone (" + e + "); " + context, e);
        }
    }

    /** Checks the answer as an RFC 8489 client would; returns the nonce to use from now on. */
    private static String judge(HostileRequests.Built request, byte[] raw, String nonce, String context) {
        ByteBuffer buf = ByteBuffer.wrap(raw);
        assertEquals(Stun.HEADER_LENGTH + Stun.bodyLength(buf, 0), raw.length, "answer length; " + context);
        int type = Stun.messageType(buf, 0);
        assertEquals(request.type(), type & ~ERROR_CLASS, "answer is for another method; " + context);
        int messageClass = type & ERROR_CLASS;
        assertTrue(messageClass == SUCCESS_CLASS || messageClass == ERROR_CLASS, "not a response; " + context);
        assertTrue(Stun.findAttribute(buf, 0, Stun.ATTR_FINGERPRINT) >= 0, "no FINGERPRINT; " + context);
        Message response;
        try {
            StunRequest.parse(raw); // attributes that fit, FINGERPRINT last and right
            response = Message.decode(raw, 0, raw.length);
        } catch (Exception e) {
            return fail("malformed answer (" + e.getMessage() + "); " + context, e);
        }
        if (messageClass == ERROR_CLASS) {
            int code = TestClient.errorCode(response);
            assertTrue(ERROR_CODES.contains(code), "error code " + code + "; " + context);
            if (code == 401 || code == 438) {
                assertTrue(response.getAttribute(Attribute.REALM) != null, code + " without REALM; " + context);
                NonceAttribute fresh = (NonceAttribute) response.getAttribute(Attribute.NONCE);
                assertTrue(fresh != null, code + " without NONCE; " + context);
                return new String(fresh.getNonce(), StandardCharsets.UTF_8);
            }
            if (AUTHENTICATED_ERRORS.contains(code)) {
                assertTrue(request.key() != null && MessageIntegrity.verify(raw, request.key()),
                        code + " not signed with the client's key; " + context);
            }
            return nonce;
        }
        if (request.type() != HostileRequests.BINDING) {
            assertTrue(request.key() != null && MessageIntegrity.verify(raw, request.key()),
                    "success not signed with the client's key; " + context);
        }
        if (request.type() == HostileRequests.ALLOCATE) {
            for (char attribute : new char[] {Attribute.XOR_RELAYED_ADDRESS, Attribute.LIFETIME, Attribute.XOR_MAPPED_ADDRESS}) {
                assertTrue(response.getAttribute(attribute) != null,
                        "Allocate success without attribute " + (int) attribute + "; " + context);
            }
        }
        return nonce;
    }

    /** An indication or ChannelData is relayed or dropped, and counted exactly once, within the wait. */
    private static void assertCountedOnce(RelayCounters counters, long before, String context) throws InterruptedException {
        long deadline = System.nanoTime() + STALL.toNanos();
        long now;
        while ((now = counters.relayedPackets() + counters.droppedPackets()) == before && System.nanoTime() < deadline) {
            Thread.sleep(0, 100_000);
        }
        assertEquals(before + 1, now, "relayed + dropped; " + context);
    }

    /** "ok" or the error code of a judged answer. */
    private static String outcome(byte[] answer) {
        if ((Stun.messageType(ByteBuffer.wrap(answer), 0) & ERROR_CLASS) != ERROR_CLASS) {
            return "ok";
        }
        try {
            return String.valueOf(TestClient.errorCode(Message.decode(answer, 0, answer.length)));
        } catch (Exception e) {
            throw new IllegalStateException("judged well-formed, then not decodable", e);
        }
    }

    private static String dropsByReason(RelayCounters counters) {
        StringBuilder drops = new StringBuilder();
        for (DropReason reason : DropReason.values()) {
            drops.append(reason.label()).append('=').append(counters.droppedPackets(reason)).append(' ');
        }
        return drops.toString().trim();
    }

    private static DatagramChannel peer() throws IOException {
        DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        peer.configureBlocking(false);
        return peer;
    }

    private static InetSocketAddress address(DatagramChannel peer) throws IOException {
        return (InetSocketAddress) peer.getLocalAddress();
    }

    private static void drain(DatagramChannel peer) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(65_535);
        while (peer.receive(sink.clear()) != null) {
            // what the relay delivered; its count is what is checked
        }
    }
}
