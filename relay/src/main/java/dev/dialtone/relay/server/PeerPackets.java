package dev.dialtone.relay.server;

import dev.dialtone.relay.DropReason;
import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.ChannelBinding;
import dev.dialtone.relay.allocation.ClientSlowException;
import dev.dialtone.relay.io.DatagramBatch;
import dev.dialtone.relay.io.DatagramReader;
import dev.dialtone.relay.stun.ChannelData;
import dev.dialtone.relay.stun.Stun;
import dev.dialtone.relay.stun.XorAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to one datagram a peer sent to a relayed address: check permission and budget,
 * prepend a ChannelData header (when the peer has a channel) or a Data indication header, send it
 * to the client. Datagrams are received behind {@link #HEADROOM} free bytes, enough for either
 * header, so the frame is built in place: no copy, no allocation.
 *
 * <p>Used by the loop that reads the relay socket: the UDP listener's, or the stream clients'
 * {@link StreamLoop}; and by {@link Hairpin} for data between two allocations of this relay.
 * Holds no state of its own.
 */
public final class PeerPackets {

    private static final Logger log = LoggerFactory.getLogger(PeerPackets.class);

    /** Data indication header: STUN header, XOR-PEER-ADDRESS (IPv6 at most), DATA header. */
    static final int HEADROOM = Stun.HEADER_LENGTH + 4 + 20 + 4;
    /** Padding of the payload to a multiple of 4 bytes. */
    private static final int TAILROOM = 3;

    private final RelayCounters counters;
    private final Clock clock;
    private final InternalErrors internalErrors;

    public PeerPackets(RelayCounters counters, Clock clock) {
        this.counters = counters;
        this.clock = clock;
        this.internalErrors = new InternalErrors(counters);
    }

    /** A batch for {@link #onDatagram}: each slot with room for either header and the padding. */
    static DatagramBatch newBatch(DatagramReader reader) {
        return reader.newBatch(HEADROOM, TAILROOM);
    }

    /**
     * Relays datagram {@code i} of {@code batch}, read from {@code allocation}'s relay socket; a
     * fault costs that datagram only.
     */
    void onDatagram(Allocation allocation, DatagramBatch batch, int i) {
        try {
            relay(allocation, batch.packet(i), batch.sender(i), batch.length(i));
        } catch (RuntimeException e) {
            internalErrors.dropped(allocation, e);
        }
    }

    /**
     * A read from a socket of {@code where} failed on a runtime exception: a reader bug, not
     * input. Whatever the read held is lost: counted as one internal-error drop and logged as
     * {@link InternalErrors} does.
     */
    void readFailed(Object where, RuntimeException e) {
        internalErrors.dropped(where, e);
    }

    /**
     * Relays the {@code length} bytes at {@link #HEADROOM} of {@code buffer}, from {@code peer}, to
     * {@code allocation}'s client if its permissions and budget let them through.
     */
    void relay(Allocation allocation, ByteBuffer buffer, InetSocketAddress peer, int length) {
        long now = clock.millis();
        if (!allocation.permits(peer.getAddress(), now)) {
            counters.dropped(DropReason.NO_PERMISSION);
            return;
        }
        if (!allocation.toClient().tryPass(length, now)) {
            counters.dropped(DropReason.BANDWIDTH);
            return;
        }
        ChannelBinding channel = allocation.channelTo(peer, now);
        int start;
        int end;
        if (channel != null) {
            start = HEADROOM - ChannelData.HEADER_LENGTH;
            ChannelData.writeHeader(buffer, start, channel.number(), length);
            boolean stream = allocation.fiveTuple().transport().isStream();
            end = HEADROOM + (stream ? padWithZeros(buffer, length) : length);
        } else {
            start = writeDataIndicationHeader(buffer, peer, length);
            end = HEADROOM + padWithZeros(buffer, length);
        }
        buffer.limit(end).position(start);
        try {
            allocation.client().send(buffer, allocation.fiveTuple().client());
            counters.relayed(length);
            allocation.sentToClient(length);
        } catch (ClientSlowException e) {
            counters.dropped(DropReason.CLIENT_SLOW);
        } catch (IOException e) {
            counters.dropped(DropReason.SEND_FAILED);
            log.debug("{}: sending to the client failed: {}", allocation, e.toString());
        }
    }

    /** Writes the Data indication header right before the payload; returns where it starts. */
    private static int writeDataIndicationHeader(ByteBuffer buffer, InetSocketAddress peer, int length) {
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
    private static int padWithZeros(ByteBuffer buffer, int length) {
        int padded = Stun.padded(length);
        for (int i = length; i < padded; i++) {
            buffer.put(HEADROOM + i, (byte) 0);
        }
        return padded;
    }
}
