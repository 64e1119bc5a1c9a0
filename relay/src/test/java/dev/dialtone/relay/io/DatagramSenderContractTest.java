package dev.dialtone.relay.io;

import static dev.dialtone.relay.io.TestDatagrams.bytes;
import static dev.dialtone.relay.io.TestDatagrams.openBound;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.ArrayList;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** One set of rules for every way the relay sends datagrams, over real loopback sockets. */
class DatagramSenderContractTest {

    private static final int HEADROOM = 36;

    /** How each sender is made, with the outcomes it tells. */
    interface Kind extends Function<Outcomes, DatagramSender<Integer>> {
    }

    static Stream<Kind> senders() {
        return Stream.of(outcomes -> new ImmediateSender<>(outcomes, "test"), DatagramSenderContractTest::uring);
    }

    private static DatagramSender<Integer> uring(Outcomes outcomes) {
        try {
            return new UringSender<>(outcomes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** What a sender told: the tags of the datagrams sent, with their lengths, and of those refused. */
    static final class Outcomes implements SendOutcomes<Integer> {
        final List<Integer> sent = new ArrayList<>();
        final List<Integer> sentBytes = new ArrayList<>();
        final List<Integer> refused = new ArrayList<>();

        @Override
        public void sent(Integer tag, int bytes) {
            sent.add(tag);
            sentBytes.add(bytes);
        }

        @Override
        public void refused(Integer tag, int bytes, String why) {
            refused.add(tag);
        }
    }

    @Test
    void theBatchingSenderRunsOnThisMachine() throws IOException {
        // the build's surefire argLine grants what it needs, as the jar's manifest does: CI must cover it,
        // unless the machine's administrator turned io_uring off, where the JDK's send must be chosen
        Path sysctl = Path.of("/proc/sys/kernel/io_uring_disabled");
        boolean disabled = Files.exists(sysctl) && !Files.readString(sysctl).trim().equals("0");
        try (DatagramSender<Integer> best = DatagramSender.forLoop(new Outcomes())) {
            assertEquals(disabled ? ImmediateSender.class : UringSender.class, best.getClass(), best.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("senders")
    void everyDatagramLeavesWholeFromItsSocketForItsDestinationByTheFlush(Kind kind)
            throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Outcomes outcomes = new Outcomes();
        try (DatagramSender<Integer> sender = kind.apply(outcomes);
             DatagramChannel alice = openBound(loopback);
             DatagramChannel bob = openBound(loopback);
             DatagramSocket carol = receiver(loopback);
             DatagramSocket dave = receiver(loopback)) {
            List<byte[]> sent = List.of(bytes(1, 1), bytes(1200, 2), bytes(0, 3), bytes(65_507, 4), bytes(100, 5));
            List<DatagramChannel> from = List.of(alice, bob, alice, bob, alice);
            List<DatagramSocket> to = List.of(carol, dave, dave, carol, carol);
            Arena arena = Arena.ofAuto();
            for (int i = 0; i < sent.size(); i++) {
                ByteBuffer slot = inSlot(arena, sent.get(i));
                sender.send(from.get(i), slot, (InetSocketAddress) to.get(i).getLocalSocketAddress(), i);
                assertEquals(slot.limit(), slot.position(), "the send moves the position to the limit");
            }
            sender.flush();
            assertEquals(List.of(0, 1, 2, 3, 4), outcomes.sent, "each told sent once, in order");
            assertEquals(sent.stream().map(b -> b.length).toList(), outcomes.sentBytes);
            assertEquals(List.of(), outcomes.refused);
            for (DatagramSocket receiver : List.of(carol, dave)) {
                for (int i = 0; i < sent.size(); i++) {
                    if (to.get(i) != receiver) {
                        continue;
                    }
                    DatagramPacket got = receive(receiver);
                    assertArrayEquals(sent.get(i), Arrays.copyOf(got.getData(), got.getLength()), "datagram " + i);
                    assertEquals(from.get(i).getLocalAddress(), got.getSocketAddress(), "source of datagram " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("senders")
    void sendsToIpv6AsToIpv4(Kind kind) throws IOException {
        InetAddress loopback6 = InetAddress.getByName("::1");
        Outcomes outcomes = new Outcomes();
        try (DatagramSender<Integer> sender = kind.apply(outcomes);
             DatagramChannel alice = openBound(loopback6);
             DatagramSocket bob = receiver(loopback6)) {
            sender.send(alice, inSlot(Arena.ofAuto(), bytes(300, 7)), (InetSocketAddress) bob.getLocalSocketAddress(), 7);
            sender.flush();
            assertEquals(List.of(7), outcomes.sent);
            DatagramPacket got = receive(bob);
            assertArrayEquals(bytes(300, 7), Arrays.copyOf(got.getData(), got.getLength()));
            assertEquals(alice.getLocalAddress(), got.getSocketAddress());
        }
    }

    @ParameterizedTest
    @MethodSource("senders")
    void moreThanTheQueueHoldsAndHeapBuffersAllLeaveInOrder(Kind kind) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Outcomes outcomes = new Outcomes();
        try (DatagramSender<Integer> sender = kind.apply(outcomes);
             DatagramChannel alice = openBound(loopback);
             DatagramSocket bob = receiver(loopback)) {
            InetSocketAddress to = (InetSocketAddress) bob.getLocalSocketAddress();
            Arena arena = Arena.ofAuto();
            int count = UringSender.CAPACITY * 2 + 5;
            for (int i = 0; i < count; i++) {
                // every tenth from the heap, which has no stable address: sent at once, after what was queued
                ByteBuffer datagram = i % 10 == 9 ? ByteBuffer.wrap(bytes(20, i)) : inSlot(arena, bytes(20, i));
                sender.send(alice, datagram, to, i);
            }
            sender.flush();
            assertEquals(IntStream.range(0, count).boxed().toList(), outcomes.sent);
            for (int i = 0; i < count; i++) {
                DatagramPacket got = receive(bob);
                assertArrayEquals(bytes(20, i), Arrays.copyOf(got.getData(), got.getLength()), "datagram " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("senders")
    void aSendTheKernelRefusesIsToldRefusedOnceAndTheOthersStillLeave(Kind kind) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Outcomes outcomes = new Outcomes();
        try (DatagramSender<Integer> sender = kind.apply(outcomes);
             DatagramChannel alice = openBound(loopback);
             DatagramSocket bob = receiver(loopback)) {
            InetSocketAddress to = (InetSocketAddress) bob.getLocalSocketAddress();
            Arena arena = Arena.ofAuto();
            sender.send(alice, inSlot(arena, bytes(10, 1)), to, 1);
            sender.send(alice, inSlot(arena, bytes(10, 2)), new InetSocketAddress(loopback, 0), 2);
            sender.send(alice, inSlot(arena, bytes(10, 3)), to, 3);
            sender.flush();
            sender.flush();
            assertEquals(List.of(1, 3), outcomes.sent);
            assertEquals(List.of(2), outcomes.refused, "port 0 is refused, once");
            sender.send(alice, inSlot(arena, bytes(10, 4)), new InetSocketAddress(loopback, 0), 4);
            sender.flush();
            assertEquals(List.of(2, 4), outcomes.refused, "alone in its flush too");
            assertArrayEquals(bytes(10, 1), Arrays.copyOf(receive(bob).getData(), 10));
            assertArrayEquals(bytes(10, 3), Arrays.copyOf(receive(bob).getData(), 10));
        }
    }

    @ParameterizedTest
    @MethodSource("senders")
    void aClosedSocketIsRefusedUpFrontAndNotTold(Kind kind) throws IOException {
        Outcomes outcomes = new Outcomes();
        try (DatagramSender<Integer> sender = kind.apply(outcomes)) {
            DatagramChannel closed = openBound(InetAddress.getLoopbackAddress());
            closed.close();
            assertThrows(ClosedChannelException.class, () -> sender.send(closed, inSlot(Arena.ofAuto(), bytes(4, 1)),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), 1));
            sender.flush();
            assertEquals(List.of(), outcomes.sent);
            assertEquals(List.of(), outcomes.refused);
        }
    }

    @Test
    void theBatchingSenderSendsNothingBeforeTheFlush() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Outcomes outcomes = new Outcomes();
        try (DatagramSender<Integer> sender = uring(outcomes);
             DatagramChannel alice = openBound(loopback);
             DatagramChannel bob = openBound(loopback)) {
            sender.send(alice, inSlot(Arena.ofAuto(), bytes(8, 1)), (InetSocketAddress) bob.getLocalAddress(), 1);
            ByteBuffer into = ByteBuffer.allocate(64);
            assertEquals(null, bob.receive(into), "queued, not sent");
            assertEquals(List.of(), outcomes.sent, "nor told");
            sender.flush();
            assertEquals(List.of(1), outcomes.sent);
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (bob.receive(into) == null) {
                assertTrue(System.nanoTime() < deadline, "sent by the flush");
                Thread.onSpinWait();
            }
            assertEquals(8, into.position());
        }
    }

    /** {@code payload} after {@link #HEADROOM} free bytes of native memory, as a relay's read slot holds it. */
    private static ByteBuffer inSlot(Arena arena, byte[] payload) {
        MemorySegment slot = arena.allocate(HEADROOM + payload.length + 3L, 8);
        ByteBuffer buffer = slot.asByteBuffer();
        buffer.put(HEADROOM, payload);
        return buffer.limit(HEADROOM + payload.length).position(HEADROOM);
    }

    private static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("nothing arrived within 2 s", e);
        }
        return packet;
    }

    private static DatagramSocket receiver(InetAddress address) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 0));
        socket.setSoTimeout(2000);
        socket.setReceiveBufferSize(1 << 20);
        return socket;
    }
}
