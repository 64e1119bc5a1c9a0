package dev.dialtone.relay.io;

import static dev.dialtone.relay.io.TestDatagrams.bytes;
import static dev.dialtone.relay.io.TestDatagrams.openBound;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** One set of rules for every way the relay reads datagrams, over real loopback sockets. */
class DatagramReaderContractTest {

    private static final int HEADROOM = 36;
    private static final int TAILROOM = 3;

    static Stream<DatagramReader> readers() {
        return Stream.of(new NioDatagramReader("test"), new RecvmmsgReader());
    }

    /** What a handler saw: a copy, since the batch's slots are reused by the next read. */
    record Received(byte[] payload, InetSocketAddress sender) {
    }

    @Test
    void theBatchedReaderRunsOnThisMachine() {
        // the build's surefire argLine grants what it needs, as the jar's manifest does: CI must cover it
        assertTrue(RecvmmsgReader.available(), () -> "recvmmsg unavailable: " + RecvmmsgReader.unavailableBecause());
        assertEquals(RecvmmsgReader.class, DatagramReader.best().getClass());
    }

    @ParameterizedTest
    @MethodSource("readers")
    void aSocketWithNothingWaitingReadsNothing(DatagramReader reader) throws IOException {
        try (DatagramChannel socket = openBound(InetAddress.getLoopbackAddress())) {
            assertEquals(0, reader.read(socket, reader.newBatch(HEADROOM, TAILROOM)));
        }
    }

    @ParameterizedTest
    @MethodSource("readers")
    void everyDatagramArrivesWholeWithItsSenderAfterTheHeadroom(DatagramReader reader) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramChannel socket = openBound(loopback);
             DatagramChannel alice = openBound(loopback);
             DatagramChannel bob = openBound(loopback)) {
            List<byte[]> sent = List.of(bytes(0, 1), bytes(1, 2), bytes(1200, 3), bytes(65_507, 4), bytes(100, 5));
            List<DatagramChannel> from = List.of(alice, bob, alice, bob, alice);
            for (int i = 0; i < sent.size(); i++) {
                from.get(i).send(ByteBuffer.wrap(sent.get(i)), socket.getLocalAddress());
            }
            List<Received> received = drainAll(reader, socket);
            assertEquals(sent.size(), received.size());
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), received.get(i).payload(), "datagram " + i);
                assertEquals(from.get(i).getLocalAddress(), received.get(i).sender(), "sender of datagram " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("readers")
    void aBusySocketYieldsAfterTheLimitAndKeepsTheRestInOrder(DatagramReader reader) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramChannel socket = openBound(loopback); DatagramChannel client = openBound(loopback)) {
            int count = sendNumbered(client, socket, 40);
            DatagramBatch batch = reader.newBatch(HEADROOM, TAILROOM);
            List<Received> first = new ArrayList<>();
            reader.drain(socket, batch, 1, (b, i) -> first.add(copy(b, i)));
            assertTrue(first.size() >= 1 && first.size() <= batch.capacity(), "handled " + first.size());
            List<Received> all = new ArrayList<>(first);
            all.addAll(drainAll(reader, socket));
            assertEquals(count, all.size());
            for (int i = 0; i < count; i++) {
                assertArrayEquals(bytes(8, i), all.get(i).payload(), "datagram " + i + " in order");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("readers")
    void anIpv6SenderIsReadAsIpv6(DatagramReader reader) throws IOException {
        InetAddress loopback6 = InetAddress.getByName("::1");
        try (DatagramChannel socket = openBound(loopback6); DatagramChannel client = openBound(loopback6)) {
            client.send(ByteBuffer.wrap(bytes(20, 7)), socket.getLocalAddress());
            List<Received> received = drainAll(reader, socket);
            assertEquals(1, received.size());
            assertEquals(client.getLocalAddress(), received.getFirst().sender());
            assertTrue(received.getFirst().sender().getAddress() instanceof Inet6Address);
        }
    }

    @ParameterizedTest
    @MethodSource("readers")
    void aClosedSocketIsRefusedAsTheJdkWould(DatagramReader reader) throws IOException {
        DatagramChannel socket = openBound(InetAddress.getLoopbackAddress());
        socket.close();
        assertThrows(ClosedChannelException.class, () -> reader.read(socket, reader.newBatch(HEADROOM, TAILROOM)));
    }

    @ParameterizedTest
    @MethodSource("readers")
    void theHandlerIsToldBeforeTheBatchIsReadIntoAgain(DatagramReader reader) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramChannel socket = openBound(loopback); DatagramChannel client = openBound(loopback)) {
            int count = sendNumbered(client, socket, 40);
            DatagramBatch batch = reader.newBatch(HEADROOM, TAILROOM);
            List<Integer> pending = new ArrayList<>(); // slots handled since the last batchDone
            List<String> problems = new ArrayList<>();
            int[] seen = {0};
            reader.drain(socket, batch, count, new DatagramHandler() {
                @Override
                public void handle(DatagramBatch b, int i) {
                    if (pending.contains(i)) {
                        problems.add("slot " + i + " read into again before batchDone");
                    }
                    pending.add(i);
                    seen[0]++;
                }

                @Override
                public void batchDone() {
                    if (pending.isEmpty()) {
                        problems.add("batchDone without a datagram");
                    }
                    pending.clear();
                }
            });
            assertEquals(List.of(), problems);
            assertEquals(List.of(), pending, "the last read's datagrams were followed by batchDone");
            assertEquals(count, seen[0]);
        }
    }

    @ParameterizedTest
    @MethodSource("readers")
    void aHandlerThatFailsPartWayIsStillToldTheBatchIsDone(DatagramReader reader) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramChannel socket = openBound(loopback); DatagramChannel client = openBound(loopback)) {
            sendNumbered(client, socket, 1);
            int[] done = {0};
            assertThrows(IllegalStateException.class, () -> reader.drain(socket, reader.newBatch(HEADROOM, TAILROOM), 10,
                    new DatagramHandler() {
                        @Override
                        public void handle(DatagramBatch b, int i) {
                            throw new IllegalStateException("a handler bug");
                        }

                        @Override
                        public void batchDone() {
                            done[0]++;
                        }
                    }));
            assertEquals(1, done[0], "what was queued before the failure still goes out");
        }
    }

    private static List<Received> drainAll(DatagramReader reader, DatagramChannel socket) throws IOException {
        DatagramBatch batch = reader.newBatch(HEADROOM, TAILROOM);
        List<Received> received = new ArrayList<>();
        reader.drain(socket, batch, Integer.MAX_VALUE, (b, i) -> received.add(copy(b, i)));
        return received;
    }

    private static Received copy(DatagramBatch batch, int i) {
        byte[] payload = new byte[batch.length(i)];
        batch.packet(i).get(HEADROOM, payload);
        assertEquals(HEADROOM + TAILROOM + DatagramBatch.MAX_DATAGRAM, batch.packet(i).capacity(), "slot size");
        return new Received(payload, batch.sender(i));
    }

    /** Sends {@code count} datagrams of 8 bytes, the i-th {@code bytes(8, i)}, from {@code client} to {@code socket}. */
    private static int sendNumbered(DatagramChannel client, DatagramChannel socket, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            client.send(ByteBuffer.wrap(bytes(8, i)), socket.getLocalAddress());
        }
        return count;
    }
}
