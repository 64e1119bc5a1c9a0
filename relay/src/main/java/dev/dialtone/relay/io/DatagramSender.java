package dev.dialtone.relay.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * Sends datagrams from any of a loop's UDP sockets, one system call each (the JDK's send) or, on
 * Linux, queued and sent in one system call per {@link #flush()} ({@link UringSender}): a relay
 * sends each packet from its allocation's own socket, so {@code sendmmsg}, one socket per call,
 * cannot batch them. What became of each datagram goes to the {@link SendOutcomes} it was made
 * with. One per loop, used on that loop's thread only. {@link #forLoop} picks one, and nothing
 * else in the relay knows which.
 *
 * @param <T> what a caller gives with each datagram, handed back with its outcome
 */
public sealed interface DatagramSender<T> extends AutoCloseable permits ImmediateSender, UringSender {

    /**
     * Sends {@code datagram}'s bytes between position and limit from {@code socket} to {@code to},
     * now or at the next {@link #flush()}; until then its bytes must stay as they are. The position
     * moves to the limit, as the JDK's send moves it.
     *
     * @throws ClosedChannelException when {@code socket} is closed: nothing is sent or told
     */
    void send(DatagramChannel socket, ByteBuffer datagram, InetSocketAddress to, T tag) throws ClosedChannelException;

    /** Sends what is queued, before the buffers it was queued from are reused, and tells what became of it. */
    void flush();

    /** For the start-up log: how this sender sends. */
    String describe();

    @Override
    void close();

    /** A batching sender where io_uring runs (Linux, native access, not refused by a seccomp filter), else the JDK's. */
    static <T> DatagramSender<T> forLoop(SendOutcomes<T> outcomes) {
        if (!UringSender.available()) {
            return new ImmediateSender<>(outcomes, UringSender.unavailableBecause());
        }
        try {
            return new UringSender<>(outcomes);
        } catch (IOException e) {
            return new ImmediateSender<>(outcomes, e.getMessage());
        }
    }
}
