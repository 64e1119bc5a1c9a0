package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.io.DatagramBatch;
import dev.dialtone.relay.io.DatagramReader;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer-to-client direction of every allocation made over TCP or TLS: one thread running a
 * selector over their relay sockets. One thread serves them all because handing a datagram to a
 * stream client never waits ({@link StreamWriter} queues it or drops it), and one receive buffer
 * serves them all, where a thread blocked in each allocation's receive needed a 64 KB buffer each
 * (128 MB for 2,000 TURN/TCP clients).
 */
public final class StreamPeerLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamPeerLoop.class);
    /** Datagrams read from one relay socket before the others get their turn. */
    private static final int BATCH = 32;
    /** A closed relay socket's port is released at the next select; this bounds how long that waits. */
    private static final long SELECT_TIMEOUT_MILLIS = 1000;

    private final Selector selector;
    private final PeerPackets peerPackets;
    private final DatagramReader reader;
    private final DatagramBatch batch;

    public StreamPeerLoop(PeerPackets peerPackets, DatagramReader reader) throws IOException {
        this.selector = Selector.open();
        this.peerPackets = peerPackets;
        this.reader = reader;
        this.batch = PeerPackets.newBatch(reader);
    }

    /** Starts relaying what peers send to {@code allocation}'s relay socket; it stops when that closes. */
    void add(Allocation allocation) {
        try {
            allocation.relaySocket().configureBlocking(false);
            allocation.relaySocket().register(selector, SelectionKey.OP_READ, allocation);
            selector.wakeup(); // a select already waiting does not watch the new socket
        } catch (IOException | ClosedSelectorException e) {
            log.warn("{}: cannot watch the relay socket, nothing will be relayed to the client: {}",
                    allocation, e.toString());
        }
    }

    /** The loop; returns when closed. */
    public void run() {
        try {
            while (true) {
                selector.select(this::relay, SELECT_TIMEOUT_MILLIS);
            }
        } catch (ClosedSelectorException | IOException e) {
            log.debug("stream clients' relay loop stopped: {}", e.toString());
        }
    }

    private void relay(SelectionKey ready) {
        Allocation allocation = (Allocation) ready.attachment();
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

    @Override
    public void close() throws IOException {
        selector.close();
    }
}
