package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer-to-client loop of an allocation made over TCP or TLS: a virtual thread blocked on the
 * relay socket. What it relays goes into the connection's bounded write queue
 * ({@link StreamWriter}), so a slow client costs its own data, never this loop's time.
 */
final class PeerReader implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PeerReader.class);

    private final Allocation allocation;
    private final PeerPackets packets;
    private final ByteBuffer buffer = PeerPackets.newBuffer();

    PeerReader(Allocation allocation, PeerPackets packets) {
        this.allocation = allocation;
        this.packets = packets;
    }

    @Override
    public void run() {
        try {
            while (true) {
                packets.receive(allocation, buffer);
            }
        } catch (ClosedChannelException e) {
            log.debug("{} closed", allocation);
        } catch (IOException e) {
            log.warn("{}: relay socket failed, allocation stops relaying: {}", allocation, e.toString());
        }
    }
}
