package dev.dialtone.relay.allocation;

import dev.dialtone.relay.io.DatagramSender;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * How the relay reaches clients: a UDP listener socket (one for all its clients, hence the
 * address) or one TCP/TLS connection (which ignores it). One per transport endpoint, not per
 * packet, so forwarding creates none.
 */
public interface ClientTransport {

    /**
     * Sends the bytes between position and limit as one datagram or stream frame.
     *
     * @throws ClientSlowException when a stream client is too far behind and the frame was dropped
     */
    void send(ByteBuffer frame, InetSocketAddress client) throws IOException;

    /**
     * What this transport's loop sends its clients' data to their peers with, when it has a sender
     * of its own (a UDP listener batches a read's sends), else {@code shared}.
     */
    default DatagramSender<Allocation> toPeers(DatagramSender<Allocation> shared) {
        return shared;
    }

    /**
     * Starts passing what peers send to {@code allocation}'s relay socket on to its client, in
     * whatever loop this transport runs; it stops when the relay socket is closed.
     */
    void relayFor(Allocation allocation);

    /** {@code allocation}, which this transport relayed for, has ended (closed, expired or deleted). */
    default void released(Allocation allocation) {
    }
}
