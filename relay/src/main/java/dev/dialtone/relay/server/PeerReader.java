package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.ChannelBinding;
import dev.dialtone.relay.stun.ChannelData;
import dev.dialtone.relay.stun.Stun;
import dev.dialtone.relay.stun.XorAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop that reads one allocation's relay socket and passes what peers send to the client:
 * receive, check permission and budget, prepend a ChannelData header (when the peer has a
 * channel) or a Data indication header, send. The datagram is received behind enough free room
 * for either header, so the frame is built in place with no copy and no allocation.
 */
final class PeerReader implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PeerReader.class);

    /** Data indication header: STUN header, XOR-PEER-ADDRESS (IPv6 at most), DATA header. */
    private static final int HEADROOM = Stun.HEADER_LENGTH + 4 + 20 + 4;
    private static final int MAX_DATAGRAM = 65_535;

    private final Allocation allocation;
    private final boolean streamClient;
    private final RelayCounters counters;
    private final Clock clock;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(HEADROOM + MAX_DATAGRAM + 3);

    PeerReader(Allocation allocation, RelayCounters counters, Clock clock) {
        this.allocation = allocation;
        this.streamClient = allocation.fiveTuple().transport().isStream();
        this.counters = counters;
        this.clock = clock;
    }

    @Override
    public void run() {
        try {
            while (true) {
                buffer.clear().position(HEADROOM);
                InetSocketAddress peer = (InetSocketAddress) allocation.relaySocket().receive(buffer);
                relay(peer, buffer.position() - HEADROOM);
            }
        } catch (ClosedChannelException e) {
            log.debug("{} closed", allocation);
        } catch (IOException e) {
            log.warn("{}: relay socket failed, allocation stops relaying: {}", allocation, e.toString());
        }
    }

    private void relay(InetSocketAddress peer, int length) {
        long now = clock.millis();
        if (!allocation.permits(peer.getAddress(), now) || !allocation.toClient().tryPass(length, now)) {
            counters.dropped();
            return;
        }
        ChannelBinding channel = allocation.channelTo(peer, now);
        int start;
        int end;
        if (channel != null) {
            start = HEADROOM - ChannelData.HEADER_LENGTH;
            ChannelData.writeHeader(buffer, start, channel.number(), length);
            end = HEADROOM + (streamClient ? padWithZeros(length) : length);
        } else {
            start = writeDataIndicationHeader(peer, length);
            end = HEADROOM + padWithZeros(length);
        }
        buffer.limit(end).position(start);
        try {
            allocation.client().send(buffer, allocation.fiveTuple().client());
            counters.relayed(length);
        } catch (IOException e) {
            counters.dropped();
            log.debug("{}: sending to the client failed: {}", allocation, e.toString());
        }
    }

    /** Writes the Data indication header right before the payload; returns where it starts. */
    private int writeDataIndicationHeader(InetSocketAddress peer, int length) {
        int addressLength = XorAddress.valueLength(peer.getAddress());
        int start = HEADROOM - Stun.HEADER_LENGTH - 4 - addressLength - 4;
        int body = 4 + addressLength + 4 + Stun.padded(length);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        buffer.putShort(start, (short) Stun.DATA_INDICATION)
                .putShort(start + 2, (short) body)
                .putInt(start + 4, Stun.MAGIC_COOKIE)
                .putLong(start + 8, random.nextLong())
                .putInt(start + 16, random.nextInt());
        int attribute = start + Stun.HEADER_LENGTH;
        buffer.putShort(attribute, (short) Stun.ATTR_XOR_PEER_ADDRESS).putShort(attribute + 2, (short) addressLength);
        XorAddress.write(buffer, start, attribute + 4, peer);
        int data = attribute + 4 + addressLength;
        buffer.putShort(data, (short) Stun.ATTR_DATA).putShort(data + 2, (short) length);
        return start;
    }

    /** Zeroes the bytes that pad the payload to 4 bytes; returns the padded length. */
    private int padWithZeros(int length) {
        int padded = Stun.padded(length);
        for (int i = length; i < padded; i++) {
            buffer.put(HEADROOM + i, (byte) 0);
        }
        return padded;
    }
}
