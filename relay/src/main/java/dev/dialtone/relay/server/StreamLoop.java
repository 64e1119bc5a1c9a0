package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.io.DatagramBatch;
import dev.dialtone.relay.io.DatagramReader;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Clock;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread running a selector over what stream clients need: the relay sockets of every
 * allocation made over TCP or TLS (the peer-to-client direction), and the plain TCP connections
 * themselves ({@link TcpConnection}, both directions), so that a TURN/TCP client's frame is read,
 * answered or forwarded, and a peer's datagram framed and written to it, without a hand-over
 * between threads. One thread serves them all because nothing here waits: a client that is not
 * reading has its frames queued or dropped ({@link TcpConnection#send}); and one receive buffer
 * serves every relay socket, where a thread blocked in each allocation's receive needed a 64 KB
 * buffer each (128 MB for 2,000 TURN/TCP clients).
 */
public final class StreamLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamLoop.class);
    /** Datagrams read from one relay socket before the others get their turn. */
    private static final int BATCH = 32;
    /**
     * How often the connections' timers are looked at (idle, finishing); also how long a closed
     * relay socket's port waits, at most, to be released by the next select.
     */
    private static final long TICK_MILLIS = 1000;

    private final Selector selector;
    private final PeerPackets peerPackets;
    private final DatagramReader reader;
    private final DatagramBatch batch;
    private final Clock clock;
    /** Accepted on another thread, registered by the loop. */
    private final Queue<TcpConnection> arriving = new ConcurrentLinkedQueue<>();
    /** Every connection not yet closed: the loop's timers, and {@link #close()}, go through them. */
    private final Set<TcpConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile Thread thread;
    private long tickedAt;

    public StreamLoop(PeerPackets peerPackets, DatagramReader reader, Clock clock) throws IOException {
        this.selector = Selector.open();
        this.peerPackets = peerPackets;
        this.reader = reader;
        this.batch = PeerPackets.newBatch(reader);
        this.clock = clock;
    }

    /** Starts relaying what peers send to {@code allocation}'s relay socket; it stops when that closes. */
    void add(Allocation allocation) {
        try {
            allocation.relaySocket().configureBlocking(false);
            allocation.relaySocket().register(selector, SelectionKey.OP_READ, allocation);
            wakeUpFromElsewhere(); // a select already waiting does not watch the new socket
        } catch (IOException | ClosedSelectorException e) {
            log.warn("{}: cannot watch the relay socket, nothing will be relayed to the client: {}",
                    allocation, e.toString());
        }
    }

    /** Serves {@code connection} from the next turn of the loop on; closes it when the loop is closed. */
    void adopt(TcpConnection connection) {
        connections.add(connection);
        arriving.add(connection);
        if (!selector.isOpen()) {
            connection.close();
            return;
        }
        selector.wakeup();
    }

    /** Makes the selector look at its interest sets again, unless the caller is the loop itself, which will. */
    void wakeUpFromElsewhere() {
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** The relay clock's millis: connections' timers read it. */
    long millis() {
        return clock.millis();
    }

    void forget(TcpConnection connection) {
        connections.remove(connection);
    }

    /** The loop; returns when closed. */
    public void run() {
        thread = Thread.currentThread();
        try {
            while (true) {
                selector.select(this::ready, TICK_MILLIS);
                register();
                tick();
            }
        } catch (ClosedSelectorException | IOException e) {
            log.debug("stream clients' loop stopped: {}", e.toString());
        }
    }

    private void register() {
        for (TcpConnection connection; (connection = arriving.poll()) != null; ) {
            try {
                connection.registerWith(selector);
            } catch (IOException e) {
                log.debug("{}: cannot register: {}", connection, e.toString());
                connection.close();
            }
        }
    }

    private void tick() {
        long now = clock.millis();
        if (now - tickedAt < TICK_MILLIS) {
            return;
        }
        tickedAt = now;
        for (TcpConnection connection : connections) {
            connection.tick(now);
        }
    }

    private void ready(SelectionKey key) {
        if (key.attachment() instanceof TcpConnection connection) {
            try {
                connection.ready(key);
            } catch (RuntimeException e) {
                // a relay bug: it costs this connection, never the loop and every other client on it
                log.warn("{}: closing the connection on an unexpected error", connection, e);
                connection.close();
            }
        } else {
            relay(key, (Allocation) key.attachment());
        }
    }

    private void relay(SelectionKey ready, Allocation allocation) {
        try {
            reader.drain(allocation.relaySocket(), batch, BATCH, (read, i) -> peerPackets.onDatagram(allocation, read, i));
        } catch (ClosedChannelException e) {
            ready.cancel(); // the allocation ended
        } catch (IOException e) {
            log.debug("{}: receive failed: {}", allocation, e.toString());
        } catch (RuntimeException e) {
            peerPackets.readFailed(allocation, e); // and the loop goes on for every other allocation
        }
    }

    /** Stops the loop and closes every connection it serves, which ends their allocations. */
    @Override
    public void close() throws IOException {
        selector.close();
        for (TcpConnection connection : connections) {
            connection.close();
        }
    }
}
