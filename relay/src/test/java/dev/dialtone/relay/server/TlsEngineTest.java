package dev.dialtone.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dialtone.relay.TestClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;

/**
 * Sealing: from two threads at once, the peer reads every record in order; once closed, a clear
 * failure. Reading: a buffer only while part of a record waits.
 */
class TlsEngineTest {

    private static final int FRAMES = 3000;

    @Test
    void framesSealedFromTwoThreadsAtOnceReachThePeerAsValidRecordsInEachThreadsOrder() throws Exception {
        SSLEngine client = TestClient.trustingAll().createSSLEngine("relay.test", 443);
        TlsEngine tls = new TlsEngine(handshakenServer(client));
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        TlsEngine.Output socket = record -> {
            synchronized (wire) {
                wire.write(record.array(), record.arrayOffset() + record.position(), record.remaining());
            }
        };
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < FRAMES; i++) {
                        tls.seal(ByteBuffer.wrap(frame(name, i)), socket);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }

        String received = unwrapAll(client, ByteBuffer.wrap(wire.toByteArray()));
        int nextA = 0;
        int nextB = 0;
        for (String frame : received.split(";")) {
            if (frame.startsWith("a")) {
                assertEquals(new String(frame("a", nextA++), StandardCharsets.US_ASCII), frame + ";");
            } else {
                assertEquals(new String(frame("b", nextB++), StandardCharsets.US_ASCII), frame + ";");
            }
        }
        assertEquals(FRAMES, nextA);
        assertEquals(FRAMES, nextB);
    }

    /** A connection's pipeline may still write after its close; the engine used to spin on that, an event loop with it. */
    @Test
    void sealingAfterTheCloseNotifyFailsInsteadOfSpinning() throws Exception {
        TlsEngine tls = new TlsEngine(handshakenServer(TestClient.trustingAll().createSSLEngine("relay.test", 443)));
        TlsEngine.Output discard = record -> record.position(record.limit());
        tls.closeOutbound(discard);
        ByteBuffer late = ByteBuffer.wrap(frame("late", 0));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(SSLException.class, () -> tls.seal(late, discard)));
    }

    /** An idle connection keeps no ciphertext buffer: only part of a record does, until the rest comes. */
    @Test
    void holdsInputOnlyWhilePartOfARecordWaits() throws Exception {
        SSLEngine client = TestClient.trustingAll().createSSLEngine("relay.test", 443);
        TlsEngine tls = new TlsEngine(handshakenServer(client));
        ByteBuffer sealed = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.wrap(frame("a", 0)), sealed);
        byte[] record = Arrays.copyOf(sealed.array(), sealed.position());
        TlsEngine.Output noAnswer = answer -> fail("nothing to answer, got " + answer.remaining() + " bytes");
        ByteBuffer plain = ByteBuffer.allocate(1024);

        Pipe socket = Pipe.open(); // a non-blocking channel, as a client's socket: 0 when nothing has come
        try (Pipe.SourceChannel in = socket.source(); Pipe.SinkChannel out = socket.sink()) {
            in.configureBlocking(false);

            out.write(ByteBuffer.wrap(record, 0, 10));
            assertEquals(0, tls.read(in, plain, noAnswer));
            assertTrue(tls.holdsInput());

            out.write(ByteBuffer.wrap(record, 10, record.length - 10));
            int n = tls.read(in, plain, noAnswer);
            assertEquals(new String(frame("a", 0), StandardCharsets.US_ASCII),
                    new String(plain.array(), 0, n, StandardCharsets.US_ASCII));
            assertFalse(tls.holdsInput());
            assertEquals(0, tls.read(in, plain, noAnswer));
            assertFalse(tls.holdsInput());
        }
    }

    /** A server engine whose handshake with {@code client} is over. */
    private static SSLEngine handshakenServer(SSLEngine client) throws Exception {
        SSLEngine server = TlsContexts.selfSigned("relay.test").createSSLEngine();
        server.setUseClientMode(false);
        client.setUseClientMode(true);
        handshake(client, server);
        return server;
    }

    /** A frame a little larger than a TURN ChannelData of audio, naming its thread and number. */
    private static byte[] frame(String thread, int i) {
        return (thread + i + ":" + "x".repeat(160) + ";").getBytes(StandardCharsets.US_ASCII);
    }

    /** Decrypts every record; a record out of order or torn fails its authentication here. */
    private static String unwrapAll(SSLEngine client, ByteBuffer wire) throws SSLException {
        StringBuilder plain = new StringBuilder();
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        while (wire.hasRemaining()) {
            out.clear();
            SSLEngineResult result = client.unwrap(wire, out);
            if (result.getStatus() != SSLEngineResult.Status.OK) {
                throw new SSLException("unwrap: " + result);
            }
            out.flip();
            plain.append(StandardCharsets.US_ASCII.decode(out));
        }
        return plain.toString();
    }

    /** Runs both ends' handshake in memory until neither has anything left to say. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(64 * 1024);
        ByteBuffer toClient = ByteBuffer.allocate(64 * 1024);
        ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100 && (busy(client) || busy(server)); step++) {
            exchange(client, toServer, toClient, scratch);
            exchange(server, toClient, toServer, scratch);
        }
        if (busy(client) || busy(server)) {
            throw new SSLException("handshake did not finish");
        }
        // what the server sent last (a session ticket) is read by the client before any record of ours
        toClient.flip();
        while (toClient.hasRemaining()) {
            scratch.clear();
            client.unwrap(toClient, scratch);
        }
    }

    private static boolean busy(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED;
    }

    /** One end's turn: runs its tasks, writes what it has to say into {@code out}, reads what came in {@code in}. */
    private static void exchange(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer scratch) throws SSLException {
        for (int i = 0; i < 20; i++) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> {
                    for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                        task.run();
                    }
                }
                case NEED_WRAP -> engine.wrap(ByteBuffer.allocate(0), out);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    in.flip();
                    scratch.clear();
                    SSLEngineResult result = engine.unwrap(in, scratch);
                    in.compact();
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        return;
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }
}
