package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.stun.MessageIntegrity;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How a TCP connection ends: what was asked before the end is still answered, then the relay closes. */
class StreamEndTest {

    private RelayUnderTest relay;

    @BeforeEach
    void start() throws Exception {
        relay = RelayUnderTest.start(Map.of());
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private static byte[] binding(byte[] transactionId) throws Exception {
        Message request = MessageFactory.createBindingRequest();
        request.setTransactionID(transactionId);
        return MessageIntegrity.seal(request.encode(null), null);
    }

    /** Reads one STUN message, then expects the relay to have closed the connection. */
    private static void assertAnsweredThenClosed(Socket socket, byte[] transactionId) throws Exception {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] header = new byte[20];
        in.readFully(header);
        byte[] body = new byte[(header[2] & 0xFF) << 8 | header[3] & 0xFF];
        in.readFully(body);
        Message answer = Message.decode(concat(header, body), 0, header.length + body.length);
        assertSuccess(answer);
        assertArrayEquals(transactionId, answer.getTransactionID());
        assertEquals(-1, ((InputStream) in).read(), "then the relay closes the connection");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestStillGetsTheAnswer() throws Exception {
        try (Socket socket = new Socket(relay.address().getAddress(), relay.port)) {
            socket.setSoTimeout(10_000);
            byte[] id = TestClient.newTransactionId();
            socket.getOutputStream().write(binding(id));
            socket.shutdownOutput();
            assertAnsweredThenClosed(socket, id);
        }
    }

    @Test
    void aRequestFollowedByBytesThatAreNotFramingIsAnsweredBeforeTheConnectionCloses() throws Exception {
        try (Socket socket = new Socket(relay.address().getAddress(), relay.port)) {
            socket.setSoTimeout(10_000);
            byte[] id = TestClient.newTransactionId();
            socket.getOutputStream().write(concat(binding(id), new byte[] {(byte) 0xC0, 1, 2, 3}));
            assertAnsweredThenClosed(socket, id);
        }
    }

    /**
     * A connection with an allocation waits for its client without a timeout; once the allocation
     * is gone (here deleted by a Refresh with LIFETIME 0) the rule of a connection without one is
     * back: it is closed after 30 silent seconds.
     */
    @Test
    void aConnectionWhoseAllocationWasDeletedIsClosedAfterThirtySilentSecondsOneWithAnAllocationStays() throws Exception {
        try (TestClient deleted = TestClient.tcp(relay.address()); TestClient kept = TestClient.tcp(relay.address())) {
            for (TestClient client : List.of(deleted, kept)) {
                client.useCredentials(new TurnRestSecret(RelayUnderTest.SECRET)
                        .mint("alice", Duration.ofHours(1), Clock.systemUTC()));
                assertSuccess(client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false)));
            }
            assertSuccess(deleted.authenticated(MessageFactory.createRefreshRequest(0)));
            long start = System.nanoTime();
            deleted.receiveTimeout(90_000);
            IOException end = assertThrows(IOException.class, deleted::receiveRaw, "the relay closes the connection");
            assertFalse(end instanceof SocketTimeoutException, "closed within 90 s");
            long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(waited >= 25_000, "closed after " + waited + " ms, not after 30 s of silence");
            assertSuccess(kept.authenticated(MessageFactory.createRefreshRequest(600)));
        }
    }
}
