package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.ClientSlowException;
import dev.dialtone.relay.stun.ChannelData;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The write side of one TCP or TLS client connection. {@link #send} never blocks on the socket: it
 * copies the frame into a queue bounded in bytes, and the connection's own writer thread
 * ({@link #drainTo}, a virtual thread) writes the queue out. Frames reach the connection from its
 * reader (answers), its allocation's peer reader (relayed data) and other allocations' threads
 * (hairpinned data, a UDP loop among them): a client that stops reading must cost only its own
 * data, never one of those threads' time.
 *
 * <p>When the queue is full, the frame is dropped ({@link ClientSlowException}) and the sender
 * counts it. A client that has taken no bytes for {@link #STALL_MILLIS} while frames were being
 * dropped is gone or hopeless: {@code onStall} runs, once, and the connection ends.
 */
final class StreamWriter {

    /**
     * Bytes queued at most, beyond the kernel's own send buffer: a video key frame (100-200 KB at
     * 2.5 Mbit/s) arriving from the peer at UDP speed fits. Real-time media queued longer than
     * that (0.8 s of 2.5 Mbit/s) is of no use to the call; it would only add delay.
     */
    static final int LIMIT = 256 * 1024;
    /** One write's most: a TLS record's worth, and how finely a slow client's progress is seen. */
    static final int CHUNK = 16 * 1024;
    /** As long as a connection may go without an allocation (see {@link StreamConnection}). */
    static final long STALL_MILLIS = 30_000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ByteQueue queue = new ByteQueue(LIMIT);
    private final RelayCounters counters;
    private final Clock clock;
    private final Runnable onStall;
    /**
     * One frame per write, hence per TLS record: coturn's clients read a TURN message per TLS
     * record (turnutils_uclient loses the second of two frames sent in one record), and coturn
     * itself writes them so. Over plain TCP, the frames queued are written together.
     */
    private final boolean framePerWrite;
    private final byte[] prefix = new byte[ChannelData.HEADER_LENGTH];
    /** A frame that wraps around the queue's end, copied to be written in one piece. */
    private byte[] wrapped = new byte[0];
    /** When the writer last finished a write or found work: the relay clock's millis. */
    private long progressAt;
    private boolean stalled;
    /** No frame is taken any more; the writer writes what is queued, then ends. */
    private boolean finishing;
    /** The writer has ended (or must): nothing more is written. */
    private boolean closed;

    /** @param onStall ends the connection; called at most once, never under this writer's lock */
    StreamWriter(boolean framePerWrite, RelayCounters counters, Clock clock, Runnable onStall) {
        this.framePerWrite = framePerWrite;
        this.counters = counters;
        this.clock = clock;
        this.onStall = onStall;
    }

    /**
     * Queues the bytes between {@code frame}'s position and limit.
     *
     * @throws ClientSlowException when the queue is full: the frame was dropped
     * @throws SocketException     when the connection is ending
     */
    void send(ByteBuffer frame) throws IOException {
        boolean stallNow = false;
        lock.lock();
        try {
            if (finishing || closed) {
                throw new SocketException("connection closed");
            }
            boolean wasEmpty = queue.isEmpty();
            int length = frame.remaining();
            if (queue.offer(frame)) {
                counters.queuedForStreams(length);
                if (wasEmpty) {
                    progressAt = clock.millis();
                    changed.signalAll();
                }
                return;
            }
            if (!stalled && clock.millis() - progressAt >= STALL_MILLIS) {
                stalled = stallNow = true;
            }
        } finally {
            lock.unlock();
        }
        if (stallNow) {
            onStall.run();
        }
        throw ClientSlowException.INSTANCE;
    }

    /** Writes the queue to {@code out} until {@link #finish} or {@link #close}, or a write fails. */
    void drainTo(OutputStream out) {
        try {
            while (true) {
                byte[] array;
                int from;
                int length;
                lock.lock();
                try {
                    while (queue.isEmpty() && !finishing && !closed) {
                        changed.awaitUninterruptibly();
                    }
                    if (closed || queue.isEmpty()) {
                        return;
                    }
                    array = queue.array();
                    from = queue.head();
                    if (framePerWrite) {
                        queue.copy(prefix, prefix.length);
                        length = StreamFramer.frameLength(prefix);
                        if (queue.contiguous(length) < length) {
                            array = wrapped(length);
                            from = 0;
                        }
                    } else {
                        length = queue.contiguous(CHUNK);
                    }
                    progressAt = clock.millis();
                } finally {
                    lock.unlock();
                }
                out.write(array, from, length);
                lock.lock();
                try {
                    if (closed) {
                        return;
                    }
                    queue.consumed(length);
                    counters.queuedForStreams(-length);
                    progressAt = clock.millis();
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException e) {
            // the socket failed or was closed under the write: the connection's reader ends it
        } finally {
            close();
        }
    }

    /** The frame at the head, which wraps around the queue's end, in one piece. */
    private byte[] wrapped(int length) {
        if (wrapped.length < length || wrapped.length > ByteQueue.KEEP) {
            wrapped = new byte[length];
        }
        queue.copy(wrapped, length);
        return wrapped;
    }

    /**
     * Takes no more frames and waits up to {@code millis} for the writer to write what is queued
     * (an answer to a client's last request before it half-closed, say); true when it did.
     */
    boolean finish(long millis) {
        lock.lock();
        try {
            finishing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return awaitClosed(millis);
    }

    /** Waits up to {@code millis} for the writer to end; true when it has. */
    boolean awaitClosed(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is queued and ends the writer; true when bytes were still waiting or being written. */
    boolean close() {
        lock.lock();
        try {
            boolean pending = !queue.isEmpty();
            closed = true;
            counters.queuedForStreams(-queue.size());
            queue.clear();
            changed.signalAll();
            return pending;
        } finally {
            lock.unlock();
        }
    }

}
