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
 * <p>The one thread that may wait on this client, its own reader, writes its answers itself
 * ({@link #sendOrWrite}) when nothing is queued: handing each answer to the writer cost a thread
 * wake-up and a park per request, most of a TURN/TCP client's set-up CPU after the kernel's.
 *
 * <p>When the queue is full, the frame is dropped ({@link ClientSlowException}) and the sender
 * counts it. A client that has taken no bytes for {@link #STALL_MILLIS} while frames were being
 * dropped, or while its reader was blocked writing it an answer, is gone or hopeless:
 * {@code onStall} runs, once, and the connection ends.
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
    /** How often the writer looks at a reader blocked in writing an answer, for the stall rule. */
    private static final long WATCH_MILLIS = 1_000;

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
    /** The reader is writing an answer itself: the writer waits, and frames sent meanwhile are queued. */
    private boolean readerWriting;
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
        sendOrWrite(frame, null);
    }

    /**
     * As {@link #send}, but when nothing is queued or being written, writes the frame to {@code out}
     * on the calling thread, waiting for the socket as long as it takes: only for the connection's
     * reader, whose waiting holds up no one but its own client.
     *
     * @param out the connection's stream; null queues the frame as {@link #send} does
     * @throws IOException when the write fails, as a read would: the connection is ending
     */
    void sendOrWrite(ByteBuffer frame, OutputStream out) throws IOException {
        boolean stallNow = false;
        lock.lock();
        try {
            if (finishing || closed) {
                throw new SocketException("connection closed");
            }
            if (out != null && frame.hasArray() && queue.isEmpty() && !readerWriting) {
                readerWriting = true; // an empty queue means the writer is not writing either
                progressAt = clock.millis();
                lock.unlock();
                try {
                    out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
                    frame.position(frame.limit());
                } finally {
                    lock.lock();
                    readerWriting = false;
                    progressAt = clock.millis();
                    changed.signalAll(); // the writer, if frames were queued meanwhile
                }
                return;
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
                boolean stallNow;
                byte[] array = null;
                int from = 0;
                int length = 0;
                lock.lock();
                try {
                    stallNow = awaitWork();
                    if (!stallNow) {
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
                    }
                } finally {
                    lock.unlock();
                }
                if (stallNow) {
                    onStall.run(); // it ends the connection, which closes this writer
                    continue;
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

    /**
     * Waits, under the lock, until there is something to write or the writer must end; true instead,
     * once, when the reader has been blocked writing an answer for {@link #STALL_MILLIS}: a client
     * that asks and never reads is as stuck as one whose queue overflows.
     */
    private boolean awaitWork() {
        while (!closed && (readerWriting || queue.isEmpty() && !finishing)) {
            if (!readerWriting) {
                changed.awaitUninterruptibly();
            } else if (!stalled && clock.millis() - progressAt >= STALL_MILLIS) {
                stalled = true;
                return true;
            } else {
                try {
                    changed.await(WATCH_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    close();
                }
            }
        }
        return false;
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
