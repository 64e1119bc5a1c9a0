package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.allocation.Transport;
import dev.dialtone.relay.io.DatagramBatch;
import dev.dialtone.relay.io.DatagramHandler;
import dev.dialtone.relay.io.DatagramReader;
import dev.dialtone.relay.io.DatagramSender;
import dev.dialtone.relay.io.ImmediateSender;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STUN/TURN over UDP on one address, and the relay sockets of every allocation made through it:
 * one thread, one selector, one loop. Client packets go to {@link ClientPackets}, peer packets to
 * {@link PeerPackets}, and every answer or relayed datagram leaves through this listener's socket.
 *
 * <p>One thread owning both directions means no lock between them and no thread switch per
 * packet; under load each wake-up drains a batch from every ready socket. What clients relay on to
 * peers leaves through the loop's {@link DatagramSender}, in one system call per batch where it
 * can, sent before the batch's buffers are read into again.
 */
public final class UdpListener implements ClientTransport, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
    private static final int RECEIVE_BUFFER = 4 << 20;
    /** Datagrams read from one socket before the others get their turn. */
    private static final int BATCH = 32;
    /** Cancelled relay sockets are released at the next select; this bounds how long that waits. */
    private static final long SELECT_TIMEOUT_MILLIS = 1000;

    private final Selector selector;
    private final DatagramChannel socket;
    private final InetSocketAddress local;
    private final ClientPackets clientPackets;
    private final PeerPackets peerPackets;
    private final DatagramReader reader;
    private final DatagramBatch fromClients;
    private final DatagramBatch fromPeers;
    private final DatagramHandler clientPacket = new DatagramHandler() {
        @Override
        public void handle(DatagramBatch batch, int i) {
            onClientPacket(batch, i);
        }

        @Override
        public void batchDone() {
            toPeers.flush(); // the sends point into the batch's slots
        }
    };
    private final DatagramSender<Allocation> toPeers;

    /**
     * Binds now, so that a taken port fails the start.
     *
     * @param shared  true when several listeners share the address (SO_REUSEPORT): the kernel then
     *                spreads clients over them by address hash, always the same listener for a client
     * @param ioUring whether to batch the sends to peers through io_uring where the kernel allows it
     */
    public UdpListener(InetSocketAddress address, boolean shared, ClientPackets clientPackets,
                       PeerPackets peerPackets, DatagramReader reader, boolean ioUring) throws IOException {
        this.socket = DatagramChannel.open(address.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            socket.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
            socket.setOption(StandardSocketOptions.SO_REUSEPORT, shared);
            socket.bind(address);
            socket.configureBlocking(false);
            this.selector = Selector.open();
            socket.register(selector, SelectionKey.OP_READ);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on UDP " + address + ": " + e.getMessage(), e);
        }
        this.local = (InetSocketAddress) socket.getLocalAddress();
        this.clientPackets = clientPackets;
        this.peerPackets = peerPackets;
        this.reader = reader;
        this.fromClients = reader.newBatch(0, 0);
        this.fromPeers = PeerPackets.newBatch(reader);
        this.toPeers = ioUring ? DatagramSender.forLoop(clientPackets)
                : new ImmediateSender<>(clientPackets, "dialtone.relay.io-uring = false");
    }

    /** For the start-up log: how this listener's loop sends to peers. */
    public String sendsWith() {
        return toPeers.describe();
    }

    public InetSocketAddress localAddress() {
        return local;
    }

    /** The loop; returns when the listener is closed. */
    public void run() {
        try {
            while (true) {
                selector.select(this::onReady, SELECT_TIMEOUT_MILLIS);
            }
        } catch (ClosedSelectorException | IOException e) {
            log.debug("UDP {} stopped: {}", local, e.toString());
        } finally {
            toPeers.close(); // on the loop's thread, which alone uses it
        }
    }

    private void onReady(SelectionKey key) {
        try {
            if (key.attachment() instanceof Allocation allocation) {
                reader.drain(allocation.relaySocket(), fromPeers, BATCH,
                        (batch, i) -> peerPackets.onDatagram(allocation, batch, i));
            } else {
                reader.drain(socket, fromClients, BATCH, clientPacket);
            }
        } catch (ClosedChannelException e) {
            key.cancel(); // an allocation ended; the listener's own socket closes only with the selector
        } catch (IOException e) {
            // a failed receive must not stop the listener; the socket is tried again at the next select
            log.debug("UDP {}: receive failed: {}", local, e.toString());
        } catch (RuntimeException e) {
            peerPackets.readFailed(local, e);
        }
    }

    private void onClientPacket(DatagramBatch batch, int i) {
        try {
            clientPackets.onPacket(new FiveTuple(batch.sender(i), local, Transport.UDP), batch.packet(i),
                    batch.length(i), this);
        } catch (IOException e) {
            log.debug("UDP {}: answer not sent: {}", local, e.toString());
        }
    }

    @Override
    public void send(ByteBuffer frame, InetSocketAddress client) throws IOException {
        socket.send(frame, client);
    }

    /** Used on this listener's loop only, for the clients whose packets come in through it. */
    @Override
    public DatagramSender<Allocation> toPeers(DatagramSender<Allocation> shared) {
        return toPeers;
    }

    /** Called on this listener's loop (the Allocate came in through it), so it may register at once. */
    @Override
    public void relayFor(Allocation allocation) {
        try {
            allocation.relaySocket().configureBlocking(false);
            allocation.relaySocket().register(selector, SelectionKey.OP_READ, allocation);
        } catch (IOException e) {
            log.warn("{}: cannot watch the relay socket, nothing will be relayed to the client: {}",
                    allocation, e.toString());
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        socket.close();
    }
}
