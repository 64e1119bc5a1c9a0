package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dialtone.relay.server.TlsContexts;
import dev.dialtone.relay.server.TlsEngine;
import dev.dialtone.relay.stun.MessageIntegrity;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A TLS connection handshaken elsewhere and handed to the relay (as the edge port does) is served
 * on the stream loop like one of its own, including what came before the hand-over: requests the
 * handshake's reads took along with the client's last handshake record, and plaintext already
 * read to tell TURN apart. The selector never reports those, since the socket has nothing more.
 */
class HandedOverTlsTest {

    private static final int REQUESTS = 3;

    private RelayUnderTest relay;
    private ServerSocketChannel listener;

    @BeforeEach
    void start() throws Exception {
        relay = RelayUnderTest.start(Map.of());
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws Exception {
        listener.close();
        relay.close();
    }

    /** @param headBytes plaintext read before the hand-over, as the edge reads a connection's first bytes */
    @ParameterizedTest(name = "{0} bytes of plaintext read before the hand-over")
    @ValueSource(ints = {0, 8})
    void requestsSentWithTheHandshakeAreAnswered(int headBytes) throws Exception {
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            Message binding = MessageFactory.createBindingRequest();
            binding.setTransactionID(TestClient.newTransactionId());
            requests.add(MessageIntegrity.seal(binding.encode(null), null));
        }
        CompletableFuture<List<Message>> answers = CompletableFuture.supplyAsync(() -> client(requests),
                runnable -> Thread.ofVirtual().start(runnable));

        SocketChannel channel = listener.accept();
        SSLEngine ssl = TlsContexts.selfSigned("relay.test").createSSLEngine();
        ssl.setUseClientMode(false);
        TlsEngine tls = new TlsEngine(ssl);
        TlsEngine.Output out = record -> {
            while (record.hasRemaining()) {
                channel.write(record);
            }
        };
        // each read waits first, so that the one that takes the client's Finished takes its requests too
        ReadableByteChannel late = new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws java.io.IOException {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                return channel.read(dst);
            }

            @Override
            public boolean isOpen() {
                return channel.isOpen();
            }

            @Override
            public void close() throws java.io.IOException {
                channel.close();
            }
        };
        ssl.beginHandshake();
        while (tls.handshaking()) {
            assertEquals(true, tls.read(late, ByteBuffer.allocate(0), out) >= 0, "closed in the handshake");
        }
        ByteBuffer head = ByteBuffer.allocate(headBytes);
        while (head.hasRemaining()) {
            tls.read(late, head, out);
        }
        assertArrayEquals(Arrays.copyOf(requests.get(0), headBytes), head.array());

        Thread.ofVirtual().start(() -> relay.server.serveStream(channel, head.array(), tls));
        List<Message> got = answers.get(10, TimeUnit.SECONDS);
        assertEquals(REQUESTS, got.size());
        for (int i = 0; i < REQUESTS; i++) {
            TestClient.assertSuccess(got.get(i));
            assertArrayEquals(Message.decode(requests.get(i), 0, requests.get(i).length).getTransactionID(),
                    got.get(i).getTransactionID());
        }
    }

    /** Handshakes, sends every request at once, and reads as many answers. */
    private List<Message> client(List<byte[]> requests) {
        try (SSLSocket socket = (SSLSocket) TestClient.trustingAll().getSocketFactory()
                .createSocket("127.0.0.1", listener.socket().getLocalPort())) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            for (byte[] request : requests) {
                out.write(request);
            }
            InputStream in = socket.getInputStream();
            DataInputStream data = new DataInputStream(in);
            List<Message> answers = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                byte[] header = new byte[20];
                data.readFully(header);
                byte[] answer = Arrays.copyOf(header, 20 + (((header[2] & 0xFF) << 8) | (header[3] & 0xFF)));
                data.readFully(answer, 20, answer.length - 20);
                answers.add(Message.decode(answer, 0, answer.length));
            }
            return answers;
        } catch (Exception e) {
            throw new IllegalStateException("the client got no answers", e);
        }
    }
}
