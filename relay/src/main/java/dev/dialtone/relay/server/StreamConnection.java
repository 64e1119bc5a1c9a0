package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.allocation.Transport;
import dev.dialtone.relay.stun.ChannelData;
import dev.dialtone.relay.stun.Stun;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP or TLS client connection (RFC 8656 section 3.1): STUN messages and ChannelData frames
 * back to back, ChannelData padded to 4 bytes. The connection is the allocation's 5-tuple, so
 * closing it deletes the allocation.
 */
public final class StreamConnection implements ClientTransport, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamConnection.class);
    /** A connection must authenticate and allocate in this time, and stay busy while it has none. */
    private static final int IDLE_MILLIS = 30_000;
    private static final int MAX_FRAME = Stun.HEADER_LENGTH + 65_535 + 3;
    /**
     * Buffers start at this size and grow to the largest frame seen (at most {@link #MAX_FRAME}):
     * STUN requests and audio fit, and thousands of idle connections stay cheap.
     */
    private static final int FIRST_SIZE = 2048;
    /** Room in front of relayed data for the ChannelData or Data indication header. */
    private static final int HEADROOM = 48;

    private final Socket socket;
    private final byte[] head;
    private final FiveTuple fiveTuple;
    private final ClientPackets packets;
    private final AllocationTable allocations;
    private final Workers workers;
    private final PeerPackets peerPackets;
    private byte[] frame = new byte[FIRST_SIZE];
    private ByteBuffer frameBuffer = ByteBuffer.wrap(frame);
    /** Writes come from this connection's thread and its allocation's relay thread. */
    private final Object writeLock = new Object();
    private byte[] outgoing = new byte[0];

    public StreamConnection(Accepted accepted, ClientPackets packets, AllocationTable allocations, Workers workers,
                     PeerPackets peerPackets) {
        this.socket = accepted.socket();
        this.head = accepted.head();
        this.fiveTuple = new FiveTuple((InetSocketAddress) accepted.socket().getRemoteSocketAddress(),
                accepted.local(), accepted.transport());
        this.packets = packets;
        this.allocations = allocations;
        this.workers = workers;
        this.peerPackets = peerPackets;
    }

    /** Reads frames until the client goes away, then deletes the allocation it made. */
    public void run() {
        try (socket) {
            socket.setSoTimeout(IDLE_MILLIS);
            InputStream in = head.length == 0 ? socket.getInputStream()
                    : new SequenceInputStream(new ByteArrayInputStream(head), socket.getInputStream());
            while (true) {
                int length = readFrame(in);
                if (length < 0) {
                    log.debug("{}: not STUN or ChannelData framing, closing", fiveTuple);
                    return;
                }
                frameBuffer.clear();
                packets.onPacket(fiveTuple, frameBuffer, length, this);
            }
        } catch (EOFException e) {
            log.debug("{}: closed by the client", fiveTuple);
        } catch (IOException e) {
            log.debug("{}: connection ended: {}", fiveTuple, e.toString());
        } finally {
            Allocation allocation = allocations.find(fiveTuple);
            if (allocation != null && allocations.remove(allocation)) {
                log.info("deleted {}: its connection closed", allocation);
            }
        }
    }

    /** Reads one frame into {@link #frame}; returns its length, or -1 when it is neither kind. */
    private int readFrame(InputStream in) throws IOException {
        readFully(in, 0, ChannelData.HEADER_LENGTH);
        ByteBuffer header = frameBuffer.clear();
        int length;
        if (ChannelData.startsChannelData(frame[0])) {
            length = ChannelData.HEADER_LENGTH + Stun.padded(ChannelData.dataLength(header, 0));
        } else if ((frame[0] & 0xC0) == 0) {
            length = Stun.HEADER_LENGTH + Stun.bodyLength(header, 0);
        } else {
            return -1;
        }
        if (length > frame.length) {
            frame = Arrays.copyOf(frame, Math.min(MAX_FRAME, Math.max(length, 2 * frame.length)));
            frameBuffer = ByteBuffer.wrap(frame);
        }
        readFully(in, ChannelData.HEADER_LENGTH, length - ChannelData.HEADER_LENGTH);
        return length;
    }

    /** Like DataInputStream.readFully, but an idle timeout only ends a connection with no allocation. */
    private void readFully(InputStream in, int offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n;
            try {
                n = in.read(frame, offset + done, length - done);
            } catch (SocketTimeoutException e) {
                if (allocations.find(fiveTuple) == null) {
                    throw e;
                }
                continue;
            }
            if (n < 0) {
                throw new EOFException();
            }
            done += n;
        }
    }

    @Override
    public void send(ByteBuffer bytes, InetSocketAddress client) throws IOException {
        synchronized (writeLock) {
            int length = bytes.remaining();
            if (length > outgoing.length) {
                outgoing = new byte[Math.min(MAX_FRAME + HEADROOM, Math.max(length, Math.max(FIRST_SIZE, 2 * outgoing.length)))];
            }
            bytes.get(outgoing, 0, length);
            OutputStream out = socket.getOutputStream();
            out.write(outgoing, 0, length);
        }
    }

    @Override
    public void relayFor(Allocation allocation) {
        workers.startVirtual("relay-peer-" + allocation.relayedAddress().getPort(), new PeerReader(allocation, peerPackets));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * A socket just accepted, with the transport and address it was accepted on.
     *
     * @param head bytes already read from the socket (by whoever recognised it as STUN), read first
     */
    public record Accepted(Socket socket, byte[] head, Transport transport, InetSocketAddress local) {

        public Accepted(Socket socket, Transport transport, InetSocketAddress local) {
            this(socket, new byte[0], transport, local);
        }
    }
}
