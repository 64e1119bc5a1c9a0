package dev.dialtone.relay.server;

import dev.dialtone.relay.DropReason;
import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.ClientSlowException;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.allocation.Transport;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP or TLS client connection (RFC 8656 section 3.1) served by the {@link StreamLoop}:
 * frames ({@link StreamFramer}) go to {@link ClientPackets} one by one; the connection must
 * allocate within {@link #IDLE_MILLIS} and stay busy while it has no allocation; it is its
 * allocation's 5-tuple, so closing it deletes the allocation.
 *
 * <p>Nothing waits for the client. {@link #send} writes at once when nothing is queued, else
 * queues, bounded in bytes ({@link #LIMIT}); the loop writes the queue out as the socket takes
 * it. When the queue is full the frame is dropped ({@link ClientSlowException}); a client that has
 * taken no bytes for {@link #STALL_MILLIS} meanwhile is closed.
 * {@link #send} is called by the loop (answers, relayed data) and by other allocations' threads
 * (hairpinned data), hence the lock around the socket's write side.
 */
final class TcpConnection implements ClientTransport {

    private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);
    /** A connection must authenticate and allocate in this time, and stay busy while it has none. */
    static final int IDLE_MILLIS = 30_000;
    /** How long a closing connection waits for its last answers to be written. */
    static final long FINISH_MILLIS = 2_000;
    /**
     * Bytes queued at most, beyond the kernel's own send buffer: a video key frame (100-200 KB at
     * 2.5 Mbit/s) arriving from the peer at UDP speed fits. Real-time media queued longer than
     * that (0.8 s of 2.5 Mbit/s) is of no use to the call; it would only add delay.
     */
    static final int LIMIT = 256 * 1024;
    /** One write's most: a TLS record's worth, and how finely a slow client's progress is seen. */
    private static final int CHUNK = 16 * 1024;
    /** As long as a connection may go without an allocation. */
    static final long STALL_MILLIS = 30_000;
    /** Reads from the socket per turn of the loop, so that one busy client cannot keep the others waiting. */
    private static final int READS_PER_TURN = 16;

    private final SocketChannel channel;
    private final FiveTuple fiveTuple;
    private final ClientPackets packets;
    private final AllocationTable allocations;
    private final StreamLoop loop;
    private final RelayCounters counters;
    private final StreamFramer framer = new StreamFramer();
    private final StreamFramer.Source source = this::read;
    /** Null for plain TCP. */
    private final TlsEngine tls;
    private final TlsEngine.Output rawWrite = this::writeOrQueue;
    /** Plaintext read before the connection was handed over (by the edge port, to tell TURN apart), read first. */
    private final byte[] head;
    private int headRead;
    private SelectionKey key;
    private final CountDownLatch closedLatch = new CountDownLatch(1);

    // Read side: the loop's only.
    private int readsThisTurn;
    /** When the connection last showed life: a frame read, or its allocation ended; the relay clock's millis. */
    private volatile long busyAt;
    /** The client's end was read or its framing broke: what is queued is written, then the connection closes. */
    private long finishBy;

    // Write side: under the lock.
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteQueue queue = new ByteQueue(LIMIT);
    /** When the client last took bytes, or had nothing waiting; the relay clock's millis. */
    private long progressAt;
    private boolean closed;

    /** @param tls null for plain TCP */
    TcpConnection(SocketChannel channel, TlsEngine tls, byte[] head, InetSocketAddress local, ClientPackets packets,
                  AllocationTable allocations, StreamLoop loop, RelayCounters counters, long now) throws IOException {
        this.channel = channel;
        this.tls = tls;
        this.head = head;
        this.fiveTuple = new FiveTuple((InetSocketAddress) channel.getRemoteAddress(), local,
                tls == null ? Transport.TCP : Transport.TLS);
        this.packets = packets;
        this.allocations = allocations;
        this.loop = loop;
        this.counters = counters;
        this.busyAt = now;
        this.progressAt = now;
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    /**
     * On the loop. Then reads what is already here: the bytes read before the hand-over, and the
     * records a handshake on another thread took with it, which the selector would not report.
     */
    void registerWith(Selector selector) throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            key = channel.register(selector, SelectionKey.OP_READ, this);
            if (!queue.isEmpty()) {
                key.interestOpsOr(SelectionKey.OP_WRITE);
            }
        } finally {
            lock.unlock();
        }
        readFrames();
    }

    /** On the loop: the socket has bytes to read, room to write, or both. */
    void ready(SelectionKey ready) {
        if (ready.isValid() && ready.isWritable()) {
            writeQueued();
        }
        if (ready.isValid() && ready.isReadable()) {
            readFrames();
        }
    }

    private void readFrames() {
        readsThisTurn = 0;
        try {
            while (true) {
                int length = framer.next(source);
                if (length == StreamFramer.INCOMPLETE) {
                    return;
                }
                if (length == StreamFramer.NOT_FRAMING) {
                    log.debug("{}: not STUN or ChannelData framing, closing", fiveTuple);
                    finish();
                    return;
                }
                busyAt = loop.millis();
                try {
                    packets.onPacket(fiveTuple, framer.buffer(), length, this);
                } catch (ClientSlowException e) {
                    counters.dropped(DropReason.CLIENT_SLOW); // an answer: the client is not reading
                }
            }
        } catch (EOFException e) {
            log.debug("{}: closed by the client", fiveTuple);
            finish();
        } catch (IOException e) {
            log.debug("{}: connection ended: {}", fiveTuple, e.toString());
            close(true);
        }
    }

    private int read(ByteBuffer into) throws IOException {
        // what TLS has decrypted, or holds whole records of, is taken whatever the cap: the socket
        // may have nothing more, and the selector would not report the connection again
        if (headRead < head.length) {
            int n = Math.min(into.remaining(), head.length - headRead);
            into.put(head, headRead, n);
            headRead += n;
            return n;
        }
        boolean mayRead = readsThisTurn < READS_PER_TURN;
        readsThisTurn++;
        if (tls != null) {
            lock.lock(); // the handshake's answers are written as sends are
            try {
                return tls.read(mayRead ? channel : null, into, rawWrite);
            } finally {
                lock.unlock();
            }
        }
        if (!mayRead) {
            return 0; // the selector reports the rest next turn
        }
        return channel.read(into);
    }

    /**
     * The client has sent its last frame: its allocation ends now; answers still queued are
     * written, for up to {@link #FINISH_MILLIS}, then the connection closes.
     */
    private void finish() {
        deleteAllocation();
        lock.lock();
        try {
            if (queue.isEmpty()) {
                close(false);
                return;
            }
            finishBy = loop.millis() + FINISH_MILLIS;
            interest(SelectionKey.OP_WRITE);
        } catch (SocketException e) {
            close(true);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void send(ByteBuffer frame, InetSocketAddress client) throws IOException {
        boolean stalled = false;
        lock.lock();
        try {
            if (closed || finishBy != 0) {
                throw new SocketException("connection closed");
            }
            int length = frame.remaining();
            if (queue.room() >= (tls == null ? length : TlsEngine.sealedSize(length))) {
                if (tls == null) {
                    writeOrQueue(frame);
                } else {
                    tls.seal(frame, rawWrite); // never dropped once sealed: the records after it would not decrypt
                }
                return;
            }
            stalled = loop.millis() - progressAt >= STALL_MILLIS;
        } finally {
            lock.unlock();
        }
        if (stalled) {
            log.info("{}: closing, the client read nothing for {} s while its write queue ({} KiB) overflowed",
                    fiveTuple, STALL_MILLIS / 1000, LIMIT / 1024);
            close(true);
        }
        throw ClientSlowException.INSTANCE;
    }

    /** Under the lock: writes {@code bytes} at once, as far as the socket takes them, and queues the rest; the queue has room. */
    private void writeOrQueue(ByteBuffer bytes) throws IOException {
        long now = loop.millis();
        if (queue.isEmpty()) {
            channel.write(bytes);
            if (!bytes.hasRemaining()) {
                progressAt = now;
                return;
            }
        }
        boolean wasEmpty = queue.isEmpty();
        int length = bytes.remaining();
        if (!queue.offer(bytes)) {
            throw new IllegalStateException("no room for " + length + " bytes: the caller checks first");
        }
        counters.queuedForStreams(length);
        if (wasEmpty) {
            progressAt = now;
            if (key != null) {
                interest(finishBy != 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                loop.wakeUpFromElsewhere();
            }
        }
    }

    /** On the loop: the socket has room again. */
    private void writeQueued() {
        lock.lock();
        try {
            while (!closed && !queue.isEmpty()) {
                int length = queue.contiguous(CHUNK);
                int written = channel.write(ByteBuffer.wrap(queue.array(), queue.head(), length));
                if (written == 0) {
                    return;
                }
                queue.consumed(written);
                counters.queuedForStreams(-written);
                progressAt = loop.millis();
            }
            if (finishBy != 0) {
                close(false);
            } else if (!closed) {
                interest(SelectionKey.OP_READ);
            }
        } catch (IOException e) {
            log.debug("{}: write failed: {}", fiveTuple, e.toString());
            close(true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets what the loop waits for, under the lock. The key is cancelled when the channel was closed
     * behind the connection's back (by whoever handed it over); that is a closed connection.
     */
    private void interest(int ops) throws SocketException {
        try {
            key.interestOps(ops);
        } catch (CancelledKeyException e) {
            throw new SocketException("connection closed");
        }
    }

    /**
     * On the loop, about once a second: closes a connection that has had no allocation and read
     * nothing for {@link #IDLE_MILLIS}, or whose last answers could not be written
     * in time.
     */
    void tick(long now) {
        if (!channel.isOpen()) {
            close(false); // closed by whoever handed it over (the edge port, shutting down)
        } else if (finishBy != 0 && now >= finishBy) {
            close(true);
        } else if (finishBy == 0 && now - busyAt >= IDLE_MILLIS && allocations.find(fiveTuple) == null) {
            log.debug("{}: closing, no allocation and nothing read for {} s", fiveTuple,
                    IDLE_MILLIS / 1000);
            close(false);
        }
    }

    @Override
    public void relayFor(Allocation allocation) {
        loop.add(allocation);
    }

    /** The allocation ended while the connection stays: the client has the idle time to use it again. */
    @Override
    public void released(Allocation allocation) {
        busyAt = loop.millis();
    }

    /** Closes the connection, which ends its allocation. */
    void close() {
        close(false);
    }

    /** {@code abort} resets the connection instead of closing it: its client is not reading, or it failed. */
    private void close(boolean abort) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            counters.queuedForStreams(-queue.size());
            queue.clear();
            if (abort && channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } else if (tls != null && channel.isOpen()) {
                tls.closeOutbound(channel::write); // best effort: a close_notify the socket takes now, or none
            }
        } catch (IOException e) {
            log.debug("{}: cannot reset: {}", fiveTuple, e.toString());
        } finally {
            lock.unlock();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("{}: close failed: {}", fiveTuple, e.toString());
        }
        loop.forget(this);
        deleteAllocation();
        closedLatch.countDown();
    }

    /** Waits until the connection has closed. */
    void awaitClosed() {
        boolean interrupted = false;
        while (true) {
            try {
                closedLatch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleteAllocation() {
        Allocation allocation = allocations.find(fiveTuple);
        if (allocation != null && allocations.remove(allocation)) {
            log.info("deleted {}: its connection closed", allocation);
        }
    }

    @Override
    public String toString() {
        return fiveTuple.toString();
    }
}
