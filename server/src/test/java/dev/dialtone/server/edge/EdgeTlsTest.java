package dev.dialtone.server.edge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dialtone.relay.server.TlsContexts;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The edge's TLS over a blocking socket, against the JDK's own TLS client. */
class EdgeTlsTest {

    private static final SSLContext SERVER = serverContext();

    private ServerSocketChannel listener;

    @BeforeEach
    void listen() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
    }

    @Test
    void alpnChoosesWhatTheEdgeAsksFor() throws Exception {
        CompletableFuture<String> client = TestTlsClient.connect(listener.socket().getLocalPort(), socket -> {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"http/1.1", "stun.turn"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket.getApplicationProtocol();
        });
        try (Socket accepted = listener.socket().accept()) {
            EdgeTls tls = handshake(accepted, offered -> offered.contains("stun.turn") ? "stun.turn" : null);
            assertEquals("stun.turn", tls.applicationProtocol());
            assertEquals("stun.turn", client.get(10, TimeUnit.SECONDS));
        }
    }

    /** A megabyte each way at once: one engine reads on one thread while it seals on another, as the edge forwards a websocket. */
    @Test
    void aMegabyteEachWayAtOnce() throws Exception {
        byte[] up = new byte[1 << 20];
        byte[] down = new byte[1 << 20];
        new Random(7).nextBytes(up);
        new Random(8).nextBytes(down);
        CompletableFuture<byte[]> client = TestTlsClient.connect(listener.socket().getLocalPort(), socket -> {
            Thread writer = Thread.ofVirtual().start(() -> writeInPieces(socket::getOutputStream, up));
            byte[] received = new byte[down.length];
            new DataInputStream(socket.getInputStream()).readFully(received);
            writer.join();
            return received;
        });
        try (Socket accepted = listener.socket().accept()) {
            EdgeTls tls = handshake(accepted, offered -> null);
            Thread writer = Thread.ofVirtual().start(() -> writeInPieces(tls::output, down));
            byte[] received = new byte[up.length];
            new DataInputStream(tls.input()).readFully(received);
            writer.join();
            tls.closeOutbound(); // the client's close waits for it
            assertArrayEquals(up, received);
            assertArrayEquals(down, client.get(30, TimeUnit.SECONDS));
        }
    }

    private interface Output {
        OutputStream get() throws IOException;
    }

    /** In writes of 1 to 3,000 bytes: records of all sizes, cut anywhere. */
    private static void writeInPieces(Output output, byte[] bytes) {
        Random sizes = new Random(bytes.length);
        try {
            OutputStream out = output.get();
            for (int i = 0; i < bytes.length; ) {
                int n = Math.min(1 + sizes.nextInt(3000), bytes.length - i);
                out.write(bytes, i, n);
                i += n;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void closeNotifyEndsTheClientsStream() throws Exception {
        CompletableFuture<Integer> client = TestTlsClient.connect(listener.socket().getLocalPort(), socket -> {
            socket.getOutputStream().write('x');
            return socket.getInputStream().read();
        });
        try (Socket accepted = listener.socket().accept()) {
            EdgeTls tls = handshake(accepted, offered -> null);
            assertEquals('x', tls.input().read());
            tls.closeOutbound();
            assertEquals(-1, client.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFailsTheHandshake() throws Exception {
        CompletableFuture<Integer> client = CompletableFuture.supplyAsync(() -> {
            try (SSLSocket socket = (SSLSocket) SSLContext.getDefault().getSocketFactory()
                    .createSocket("127.0.0.1", listener.socket().getLocalPort())) {
                socket.startHandshake();
                return 0;
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                return 1;
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
        try (Socket accepted = listener.socket().accept()) {
            assertThrows(SSLHandshakeException.class, () -> handshake(accepted, offered -> null));
        }
        assertEquals(1, client.get(10, TimeUnit.SECONDS));
    }

    private static EdgeTls handshake(Socket accepted, java.util.function.Function<List<String>, String> alpn)
            throws IOException {
        FirstBytes first = FirstBytes.read(accepted.getInputStream());
        assertEquals(FirstBytes.Protocol.TLS, first.protocol());
        return EdgeTls.handshake(accepted, first.bytes(), SERVER, alpn);
    }

    private static SSLContext serverContext() {
        try {
            return TlsContexts.selfSigned("edge.test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
