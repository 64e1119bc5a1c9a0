package dev.dialtone.relay.allocation;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * How the relay reaches clients: a UDP listener socket (one sink for all its clients, hence the
 * address) or one TCP/TLS connection (which ignores it). One sink per transport endpoint, not
 * per packet, so forwarding creates none.
 */
public interface ClientSink {

    /** Sends the bytes between position and limit as one datagram or stream frame. */
    void send(ByteBuffer frame, InetSocketAddress client) throws IOException;
}
