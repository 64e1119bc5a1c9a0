package dev.dialtone.relay.server;

import dev.dialtone.relay.DropReason;
import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.ClientSlowException;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.allocation.Transport;
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
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP or TLS client connection (RFC 8656 section 3.1) served on virtual threads, with blocking
 * I/O: the TLS connections the edge port hands over handshaken, as an {@link javax.net.ssl.SSLSocket}
 * (every other goes to the {@link StreamLoop}, see {@link StreamClients}). What it may do: its frames
 * ({@link StreamFramer}) go to {@link ClientPackets} one by one; what it is sent is queued
 * ({@link StreamWriter}), never waited for. A connection must allocate within
 * {@link #IDLE_MILLIS} and stay busy while it has no allocation; it is the allocation's 5-tuple,
 * so closing it deletes the allocation.
 */
public final class StreamConnection implements ClientTransport, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamConnection.class);
    /** A connection must authenticate and allocate in this time, and stay busy while it has none. */
    static final int IDLE_MILLIS = 30_000;
    /** How long a closing connection waits for its last answers to be written. */
    static final long FINISH_MILLIS = 2_000;

    private final Socket socket;
    private final byte[] head;
    private final FiveTuple fiveTuple;
    private final ClientPackets packets;
    private final AllocationTable allocations;
    private final Workers workers;
    private final StreamLoop peers;
    private final RelayCounters counters;
    private final StreamFramer framer = new StreamFramer();
    private final StreamWriter writer;
    /**
     * True from the Allocate that made the connection's allocation until that allocation ends:
     * meanwhile the reader waits without a timeout (see {@link #readFrames}).
     */
    private volatile boolean allocated;
    /** Frames read so far; written by the reader only. An idle watch ({@link #released}) compares it. */
    private volatile long framesRead;
    /** The reader has ended: an allocation that ends now ends with the connection, nothing to watch. */
    private volatile boolean ending;

    public StreamConnection(Accepted accepted, ClientPackets packets, AllocationTable allocations, Workers workers,
                            StreamLoop peers, RelayCounters counters, Clock clock) {
        this.socket = accepted.socket();
        this.head = accepted.head();
        this.fiveTuple = new FiveTuple((InetSocketAddress) accepted.socket().getRemoteSocketAddress(),
                accepted.local(), accepted.transport());
        this.packets = packets;
        this.allocations = allocations;
        this.workers = workers;
        this.peers = peers;
        this.counters = counters;
        this.writer = new StreamWriter(accepted.transport() == Transport.TLS, counters, clock, this::stalled);
    }

    /** Reads frames until the client goes away, then deletes the allocation it made. */
    public void run() {
        try {
            OutputStream out = socket.getOutputStream();
            workers.startVirtual("relay-" + fiveTuple.transport().name().toLowerCase() + "-writer-" + fiveTuple.client(),
                    () -> writer.drainTo(out));
            socket.setSoTimeout(IDLE_MILLIS);
            InputStream in = head.length == 0 ? socket.getInputStream()
                    : new SequenceInputStream(new ByteArrayInputStream(head), socket.getInputStream());
            readFrames(in);
        } catch (EOFException e) {
            log.debug("{}: closed by the client", fiveTuple);
        } catch (IOException e) {
            log.debug("{}: connection ended: {}", fiveTuple, e.toString());
        } finally {
            ending = true;
            Allocation allocation = allocations.find(fiveTuple);
            if (allocation != null && allocations.remove(allocation)) {
                log.info("deleted {}: its connection closed", allocation);
            }
            // a client that half-closed after its last request still gets the answer; one that
            // reads nothing is reset rather than waited for
            end(!writer.finish(FINISH_MILLIS));
        }
    }

    private void readFrames(InputStream in) throws IOException {
        boolean timed = true; // run() set IDLE_MILLIS
        while (true) {
            // A timed read costs a timer per frame on a virtual thread, scheduled and cancelled on the
            // scheduler's delay thread (8 % of the relay's CPU with 2,000 TURN/TCP clients): only a
            // connection without an allocation needs the timeout; released() watches the one that
            // loses its allocation while its reader waits.
            if (timed == allocated) {
                timed = !allocated;
                socket.setSoTimeout(timed ? IDLE_MILLIS : 0);
            }
            int length;
            try {
                length = framer.next(in);
            } catch (SocketTimeoutException e) {
                if (allocations.find(fiveTuple) == null) {
                    throw e;
                }
                continue; // an allocation keeps the connection; the framer resumes inside the frame
            }
            if (length < 0) {
                log.debug("{}: not STUN or ChannelData framing, closing", fiveTuple);
                return;
            }
            framesRead = framesRead + 1; // the reader is the only writer
            try {
                packets.onPacket(fiveTuple, framer.buffer(), length, this);
            } catch (ClientSlowException e) {
                counters.dropped(DropReason.CLIENT_SLOW); // an answer: the client is not reading
            }
        }
    }

    @Override
    public void send(ByteBuffer bytes, InetSocketAddress client) throws IOException {
        writer.send(bytes);
    }

    @Override
    public void relayFor(Allocation allocation) {
        allocated = true; // on the reader, before it reads on
        peers.add(allocation);
    }

    /**
     * The allocation ended (expired, or deleted by a Refresh) while the connection stays: the client
     * has {@link #IDLE_MILLIS} to use the connection again, as one that never allocated.
     */
    @Override
    public void released(Allocation allocation) {
        if (ending || allocations.find(fiveTuple) != null) {
            return; // the connection's own end, or the client has allocated again already
        }
        allocated = false;
        long seen = framesRead;
        // the reader may be waiting without a timeout: watch it from a thread of its own (rare: only
        // allocations that end before their connection)
        workers.startVirtual("relay-idle-" + fiveTuple.client(), () -> {
            if (writer.awaitClosed(IDLE_MILLIS)) {
                return; // the connection ended meanwhile
            }
            if (!ending && framesRead == seen && allocations.find(fiveTuple) == null) {
                log.debug("{}: closing, no allocation and nothing read for {} s", fiveTuple, IDLE_MILLIS / 1000);
                close();
            }
        });
    }

    /** The client has read nothing for a long while and its queue overflows: end it, on a thread of its own. */
    private void stalled() {
        log.info("{}: closing, the client read nothing for {} s while its write queue ({} KiB) overflowed",
                fiveTuple, StreamWriter.STALL_MILLIS / 1000, StreamWriter.LIMIT / 1024);
        workers.startVirtual("relay-stalled-" + fiveTuple.client(), () -> end(true));
    }

    /** Stops the writer and closes the socket, which ends the reader and with it the allocation. */
    @Override
    public void close() {
        end(writer.close());
    }

    /**
     * Closes the socket; {@code abort} resets it at once instead: a write blocked on a client that
     * reads nothing would otherwise hold a TLS socket's close (its close_notify) forever.
     */
    private void end(boolean abort) {
        writer.close();
        try {
            if (abort && !socket.isClosed()) {
                socket.setSoLinger(true, 0);
            }
        } catch (IOException e) {
            log.debug("{}: cannot reset: {}", fiveTuple, e.toString());
        }
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("{}: close failed: {}", fiveTuple, e.toString());
        }
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
