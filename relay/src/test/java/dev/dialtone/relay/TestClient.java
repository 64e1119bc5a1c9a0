package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dialtone.common.TurnCredentials;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.stun.MessageIntegrity;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import org.ice4j.StunException;
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
 * A minimal TURN client for tests, over UDP or TCP, built on ice4j's message classes: it signs
 * with the long-term credential mechanism like any RFC client and reads raw datagrams too.
 */
public final class TestClient implements AutoCloseable {

    private final DatagramChannel udp;
    private final Socket tcp;
    private final InetSocketAddress server;
    private String realm;
    private String nonce;
    private String username;
    private byte[] key;
    private int staleNonces;
    private byte[] lastSent;

    private TestClient(DatagramChannel udp, Socket tcp, InetSocketAddress server) {
        this.udp = udp;
        this.tcp = tcp;
        this.server = server;
    }

    public static TestClient udp(InetSocketAddress server) throws IOException {
        DatagramChannel channel = DatagramChannel.open(server.getAddress() instanceof java.net.Inet6Address
                ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
        channel.bind(new InetSocketAddress(server.getAddress(), 0));
        channel.socket().setSoTimeout(2000);
        return new TestClient(channel, null, server);
    }

    public static TestClient tcp(InetSocketAddress server) throws IOException {
        return tcp(server, 0);
    }

    /**
     * Over TCP with a receive buffer of {@code receiveBuffer} bytes (the kernel's autotuned default
     * when 0): a client that does not read then fills up after that much, not after megabytes.
     */
    public static TestClient tcp(InetSocketAddress server, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connecting, so that the window stays small
        }
        socket.connect(server);
        socket.setSoTimeout(2000);
        socket.setTcpNoDelay(true); // as TURN clients do: a request is one write, answered at once
        return new TestClient(null, socket, server);
    }

    /**
     * Over TLS to {@code server} (the relay's TLS port), trusting whatever certificate it shows (the
     * relay's self-signed one in tests), with a receive buffer as {@link #tcp(InetSocketAddress, int)}.
     */
    public static TestClient tls(InetSocketAddress server, int receiveBuffer) throws Exception {
        TestClient plain = tcp(server, receiveBuffer);
        javax.net.ssl.SSLContext context = trustingAll();
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket(plain.tcp, server.getHostString(), server.getPort(), true);
        tls.setSoTimeout(2000);
        tls.startHandshake();
        return new TestClient(null, tls, server);
    }

    /** A TLS client context that trusts whatever certificate the server shows (a self-signed one in tests). */
    public static javax.net.ssl.SSLContext trustingAll() throws java.security.GeneralSecurityException {
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        return context;
    }

    public InetSocketAddress localAddress() throws IOException {
        return udp != null ? (InetSocketAddress) udp.getLocalAddress() : (InetSocketAddress) tcp.getLocalSocketAddress();
    }

    public void useCredentials(TurnCredentials credentials) {
        this.username = credentials.username();
        this.key = LongTermCredentials.key(credentials.username(), RelayUnderTest.REALM, credentials.credential());
    }

    public void useCredentials(String username, String password) {
        this.username = username;
        this.key = LongTermCredentials.key(username, RelayUnderTest.REALM, password);
    }

    /**
     * Sends {@code request} signed with the current credentials, learning realm and nonce from a
     * 401 or 438 first as RFC clients do; returns the final response.
     */
    public Message authenticated(Message request) throws Exception {
        if (nonce == null) {
            Message challenge = exchange(request, null);
            remember(challenge);
        }
        Message response = exchange(withCredentials(request), key);
        if (errorCode(response) == 438) {
            staleNonces++;
            remember(response);
            response = exchange(withCredentials(request), key);
        }
        return response;
    }

    /** How many 438 Stale Nonce answers made this client retry. */
    public int staleNonces() {
        return staleNonces;
    }

    /** Sends {@code request} (signed when {@code signingKey} is given) and waits for its response. */
    public Message exchange(Message request, byte[] signingKey) throws Exception {
        keepOrSetTransactionId(request);
        lastSent = MessageIntegrity.seal(request.encode(null), signingKey);
        sendRaw(lastSent);
        while (true) {
            byte[] raw = receiveRaw();
            if ((raw[0] & 0xC0) != 0) {
                continue; // ChannelData while waiting for a response
            }
            Message response = Message.decode(raw, 0, raw.length);
            if (Arrays.equals(response.getTransactionID(), request.getTransactionID())) {
                return response;
            }
        }
    }

    /** Sends the last request again, byte for byte. */
    public void resendLast() throws IOException {
        sendRaw(lastSent);
    }

    /** Sends an indication (unsigned, with FINGERPRINT). */
    public void send(Message indication) throws Exception {
        keepOrSetTransactionId(indication);
        sendRaw(MessageIntegrity.seal(indication.encode(null), null));
    }

    /** Sends ChannelData; over TCP padded to 4 bytes as RFC 8656 requires. */
    public void sendChannelData(int channel, byte[] data) throws IOException {
        int length = 4 + data.length;
        ByteBuffer frame = ByteBuffer.allocate(tcp != null ? (length + 3) & ~3 : length);
        frame.putShort((short) channel).putShort((short) data.length).put(data);
        sendRaw(frame.array());
    }

    public Message receiveMessage() throws Exception {
        byte[] raw = receiveRaw();
        return Message.decode(raw, 0, raw.length);
    }

    public void sendRaw(byte[] bytes) throws IOException {
        if (udp != null) {
            udp.send(ByteBuffer.wrap(bytes), server);
        } else {
            tcp.getOutputStream().write(bytes);
        }
    }

    /**
     * The next datagram or stream frame from the relay; fails after 2 s of silence. Datagrams from
     * anywhere else are ignored, as a TURN client does: other tests on the machine may send to a
     * port this client now holds.
     */
    public byte[] receiveRaw() throws IOException {
        if (udp != null) {
            byte[] buffer = new byte[65_535];
            java.net.DatagramPacket packet = new java.net.DatagramPacket(buffer, buffer.length);
            do {
                udp.socket().receive(packet);
            } while (!server.equals(packet.getSocketAddress()));
            return Arrays.copyOf(buffer, packet.getLength());
        }
        DataInputStream in = new DataInputStream(tcp.getInputStream());
        byte[] header = new byte[4];
        in.readFully(header);
        int length = ByteBuffer.wrap(header).getShort(2) & 0xFFFF;
        int rest = (header[0] & 0xC0) == 0x40 ? (length + 3) & ~3 : 16 + length;
        byte[] frame = Arrays.copyOf(header, 4 + rest);
        in.readFully(frame, 4, rest);
        return frame;
    }

    /** How long {@link #receiveRaw} waits (2 s unless changed). */
    public void receiveTimeout(int millis) throws IOException {
        if (udp != null) {
            udp.socket().setSoTimeout(millis);
        } else {
            tcp.setSoTimeout(millis);
        }
    }

    /** True when nothing arrives within {@code millis}. */
    public boolean silentFor(int millis) throws IOException {
        if (udp != null) {
            udp.socket().setSoTimeout(millis);
        } else {
            tcp.setSoTimeout(millis);
        }
        try {
            receiveRaw();
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            if (udp != null) {
                udp.socket().setSoTimeout(2000);
            } else {
                tcp.setSoTimeout(2000);
            }
        }
    }

    public static int errorCode(Message response) {
        return response.getAttribute(Attribute.ERROR_CODE) instanceof ErrorCodeAttribute error
                ? error.getErrorClass() * 100 + error.getErrorNumber() : 0;
    }

    public static void assertSuccess(Message response) {
        assertEquals(0, errorCode(response), "error response");
        assertEquals(0x0100, response.getMessageType() & 0x0110, "not a success response");
    }

    public static TransportAddress udpAddress(InetSocketAddress address) {
        return new TransportAddress(address, Transport.UDP);
    }

    /** CreatePermission for {@code peer}, XOR-encoded with the request's own transaction id. */
    public static Message createPermission(InetSocketAddress peer) throws StunException {
        byte[] id = newTransactionId();
        return withId(MessageFactory.createCreatePermissionRequest(udpAddress(peer), id), id);
    }

    public static Message channelBind(int channel, InetSocketAddress peer) throws StunException {
        byte[] id = newTransactionId();
        return withId(MessageFactory.createChannelBindRequest((char) channel, udpAddress(peer), id), id);
    }

    public static Message sendIndication(InetSocketAddress peer, byte[] data) throws StunException {
        byte[] id = newTransactionId();
        return withId(MessageFactory.createSendIndication(udpAddress(peer), data, id), id);
    }

    /**
     * ice4j XORs an IPv6 address with the transaction id given to its factory, so the message must
     * carry that same id; for IPv4 only the magic cookie counts and any id would do.
     */
    private static Message withId(Message message, byte[] id) throws StunException {
        message.setTransactionID(id);
        return message;
    }

    /** Keeps an id set at creation (see {@link #withId}); gives other messages a fresh one. */
    private static void keepOrSetTransactionId(Message message) throws StunException {
        if (message.getTransactionID() == null) {
            message.setTransactionID(newTransactionId());
        }
    }

    public static byte[] newTransactionId() {
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        return id;
    }

    private void remember(Message challenge) {
        realm = new String(((RealmAttribute) challenge.getAttribute(Attribute.REALM)).getRealm(), StandardCharsets.UTF_8);
        nonce = new String(((NonceAttribute) challenge.getAttribute(Attribute.NONCE)).getNonce(), StandardCharsets.UTF_8);
        assertArrayEquals(RelayUnderTest.REALM.getBytes(StandardCharsets.UTF_8), realm.getBytes(StandardCharsets.UTF_8));
    }

    private Message withCredentials(Message request) throws StunException {
        request.putAttribute(AttributeFactory.createUsernameAttribute(username));
        request.putAttribute(AttributeFactory.createRealmAttribute(realm.getBytes(StandardCharsets.UTF_8)));
        request.putAttribute(AttributeFactory.createNonceAttribute(nonce.getBytes(StandardCharsets.UTF_8)));
        return request;
    }

    @Override
    public void close() throws IOException {
        if (udp != null) {
            udp.close();
        } else {
            tcp.close();
        }
    }
}
