package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer-to-client loop of an allocation made over TCP or TLS: a thread blocked on the relay
 * socket. Writing to a stream can block on a slow client, so each stream allocation gets its own
 * loop rather than sharing one that a single slow client could stall.
 *
 * <p>Its receive buffer is held for the allocation's whole life, so it starts small: a full-size
 * one (64 KB, direct memory) each made 2,000 TURN/TCP allocations cost 128 MB and ran a relay with
 * a 128 MB heap out of direct memory (bench/relay/scale.sh). Media datagrams stay under the path
 * MTU; the first datagram that fills the small buffer is dropped, counted, and the buffer grows.
 */
final class PeerReader implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PeerReader.class);

    /** WebRTC keeps datagrams under the path MTU (at most ~1,500 bytes, 1,200 in Chromium). */
    private static final int FIRST_PAYLOAD = 2048;

    private final Allocation allocation;
    private final PeerPackets packets;
    private ByteBuffer buffer = PeerPackets.newBuffer(FIRST_PAYLOAD);

    PeerReader(Allocation allocation, PeerPackets packets) {
        this.allocation = allocation;
        this.packets = packets;
    }

    @Override
    public void run() {
        try {
            while (true) {
                if (packets.receiveOutgrew(allocation, buffer)) {
                    buffer = PeerPackets.newBuffer();
                }
            }
        } catch (ClosedChannelException e) {
            log.debug("{} closed", allocation);
        } catch (IOException e) {
            log.warn("{}: relay socket failed, allocation stops relaying: {}", allocation, e.toString());
        }
    }
}
