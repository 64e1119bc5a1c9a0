import dev.dialtone.common.TurnCredentials;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.stun.MessageIntegrity;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.ErrorCodeAttribute;
import org.ice4j.attribute.NonceAttribute;
import org.ice4j.attribute.RealmAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;

/**
 * A load generator that can saturate a TURN relay (any: coturn or Dialtone): it makes N
 * allocations over UDP with TURN REST credentials, binds a channel from each to a local sink,
 * then sends ChannelData round-robin as fast as it can (or at a given rate) for a bounded time
 * and packet count, and counts what reaches the sinks. Loopback targets only.
 *
 * Usage: java -cp CLASSPATH ChannelDataFlood.java HOST PORT SECRET ALLOCATIONS SECONDS MAX_PACKETS PAYLOAD [RATE] [SINKS]
 *   RATE: packets/s to offer, 0 (default) = as fast as the generator can send.
 *   SINKS: sink sockets, allocation i sends to sink i % SINKS (default 1). coturn's
 *   --multiplex-peer needs one per allocation: it routes by the peer's address alone, so it refuses
 *   a second allocation on one relay thread that names the same peer.
 * Prints one line: offered, relayed (received at the sinks), loss, relayed packets/s.
 */
public class ChannelDataFlood {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        if (!host.startsWith("127.")) {
            throw new IllegalArgumentException("loopback targets only");
        }
        InetSocketAddress server = new InetSocketAddress(host, Integer.parseInt(args[1]));
        TurnRestSecret secret = new TurnRestSecret(args[2]);
        int allocations = Integer.parseInt(args[3]);
        Duration duration = Duration.ofSeconds(Long.parseLong(args[4]));
        long maxPackets = Long.parseLong(args[5]);
        int payload = Integer.parseInt(args[6]);
        long rate = args.length > 7 ? Long.parseLong(args[7]) : 0;
        int sinkCount = args.length > 8 ? Integer.parseInt(args[8]) : 1;

        Selector sinks = Selector.open();
        List<InetSocketAddress> sinkAddresses = new ArrayList<>();
        for (int i = 0; i < sinkCount; i++) {
            DatagramChannel sink = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            sink.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
            sink.configureBlocking(false).register(sinks, SelectionKey.OP_READ);
            sinkAddresses.add((InetSocketAddress) sink.getLocalAddress());
        }
        List<Session> sessions = new ArrayList<>();
        List<DatagramChannel> clients = new ArrayList<>();
        List<DatagramChannel> taken = new ArrayList<>(); // ports a relay still holds an allocation on
        for (int i = 0; i < allocations; i++) {
            Session session = null;
            while (session == null) {
                if (taken.size() >= 10) {
                    throw new IllegalStateException("10 client ports in a row still hold an allocation on the relay (437)");
                }
                DatagramChannel client = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                client.socket().setSoTimeout(3000);
                client.connect(server);
                session = allocateAndBind(client, secret.mint("flood" + i, Duration.ofHours(1), Clock.systemUTC()),
                        sinkAddresses.get(i % sinkCount));
                (session == null ? taken : clients).add(client);
            }
            sessions.add(session);
        }
        for (DatagramChannel client : taken) {
            client.close();
        }

        AtomicLong received = new AtomicLong();
        Thread counter = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(65_535);
            try {
                while (sinks.isOpen()) {
                    sinks.select(key -> {
                        try {
                            while (((DatagramChannel) key.channel()).receive(buffer.clear()) != null) {
                                received.incrementAndGet();
                            }
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
            } catch (java.io.IOException | java.nio.channels.ClosedSelectorException | java.io.UncheckedIOException closed) {
                // end of the run
            }
        });
        counter.setDaemon(true);
        counter.start();

        ByteBuffer frame = ByteBuffer.allocateDirect(4 + payload);
        frame.putShort((short) 0x4000).putShort((short) payload).put(new byte[payload]).flip();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long sent = 0;
        while (sent < maxPackets) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (rate > 0 && sent > (now - start) * rate / 1_000_000_000L) {
                Thread.onSpinWait();
                continue;
            }
            clients.get((int) (sent % allocations)).write(frame.rewind());
            sent++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Thread.sleep(500); // let the last packets through
        long got = received.get();
        for (SelectionKey key : sinks.keys()) {
            key.channel().close();
        }
        sinks.close();
        for (Session session : sessions) {
            session.release(); // a later run may get the same client port: leave no allocation behind
        }
        System.out.printf("flood: allocations=%d payload=%d offered=%d in %.2fs (%.0f pkt/s) relayed=%d loss=%.2f%% relayed_rate=%.0f pkt/s%n",
                allocations, payload, sent, seconds, sent / seconds, got, 100.0 * (sent - got) / Math.max(1, sent), got / seconds);
    }

    /** One client's allocation and what it needs to sign requests on it. */
    private record Session(DatagramChannel client, TurnCredentials credentials, String realm, String nonce, byte[] key) {

        /** Refresh with LIFETIME 0: deletes the allocation. */
        void release() throws Exception {
            exchange(client, signed(MessageFactory.createRefreshRequest(0), credentials, realm, nonce), key);
            client.close();
        }
    }

    /**
     * Allocate (answering the 401 challenge) and bind channel 0x4000 to the sink; null when the
     * relay still holds an allocation for this client port (437), left by an earlier client
     * (turnutils_uclient does not delete its allocations) that had the same ephemeral port.
     */
    private static Session allocateAndBind(DatagramChannel client, TurnCredentials credentials, InetSocketAddress sink)
            throws Exception {
        Message challenge = exchange(client, MessageFactory.createAllocateRequest((byte) 17, false), null);
        if (code(challenge) == 437) {
            return null;
        }
        if (challenge.getAttribute(Attribute.REALM) == null) {
            throw new IllegalStateException("relay answered an Allocate without credentials with " + code(challenge) + ", not 401");
        }
        String realm = new String(((RealmAttribute) challenge.getAttribute(Attribute.REALM)).getRealm(), StandardCharsets.UTF_8);
        String nonce = new String(((NonceAttribute) challenge.getAttribute(Attribute.NONCE)).getNonce(), StandardCharsets.UTF_8);
        byte[] key = LongTermCredentials.key(credentials.username(), realm, credentials.credential());
        Message allocated = exchange(client, signed(MessageFactory.createAllocateRequest((byte) 17, false), credentials, realm, nonce), key);
        if (code(allocated) == 437) {
            return null;
        }
        check(allocated);
        byte[] id = new byte[12];
        check(exchange(client, signed(MessageFactory.createChannelBindRequest((char) 0x4000,
                new TransportAddress(sink, Transport.UDP), id), credentials, realm, nonce), key));
        return new Session(client, credentials, realm, nonce, key);
    }

    private static Message signed(Message request, TurnCredentials credentials, String realm, String nonce) throws Exception {
        request.putAttribute(AttributeFactory.createUsernameAttribute(credentials.username()));
        request.putAttribute(AttributeFactory.createRealmAttribute(realm.getBytes(StandardCharsets.UTF_8)));
        request.putAttribute(AttributeFactory.createNonceAttribute(nonce.getBytes(StandardCharsets.UTF_8)));
        return request;
    }

    private static void check(Message response) {
        if (code(response) != 0) {
            throw new IllegalStateException("relay refused: " + code(response));
        }
    }

    /** The response's error code, 0 for a success. */
    private static int code(Message response) {
        return response.getAttribute(Attribute.ERROR_CODE) instanceof ErrorCodeAttribute error
                ? error.getErrorClass() * 100 + error.getErrorNumber() : 0;
    }

    private static Message exchange(DatagramChannel client, Message request, byte[] key) throws Exception {
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        request.setTransactionID(id);
        client.write(ByteBuffer.wrap(MessageIntegrity.seal(request.encode(null), key)));
        byte[] buffer = new byte[2048];
        java.net.DatagramPacket packet = new java.net.DatagramPacket(buffer, buffer.length);
        client.socket().receive(packet); // SO_TIMEOUT bounds the wait
        return Message.decode(buffer, 0, packet.getLength());
    }
}
