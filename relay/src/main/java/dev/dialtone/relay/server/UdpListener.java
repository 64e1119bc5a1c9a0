package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.ClientSink;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.allocation.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STUN/TURN over UDP on one address: one socket, one thread blocked in {@code receive}, every
 * datagram handed to {@link ClientPackets}. A blocking receive costs one system call per packet
 * and no selector; the socket is also how the relay sends to its UDP clients.
 */
public final class UdpListener implements ClientSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
    private static final int RECEIVE_BUFFER = 4 << 20;

    private final DatagramChannel socket;
    private final InetSocketAddress local;
    private final ClientPackets packets;
    /** Largest UDP payload; anything bigger cannot arrive. */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(65_535);

    /** Binds now, so that a taken port fails the start. */
    public UdpListener(InetSocketAddress address, ClientPackets packets) throws IOException {
        this.socket = DatagramChannel.open(address.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            socket.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
            socket.bind(address);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on UDP " + address + ": " + e.getMessage(), e);
        }
        this.local = (InetSocketAddress) socket.getLocalAddress();
        this.packets = packets;
    }

    public InetSocketAddress localAddress() {
        return local;
    }

    /** The receive loop; returns when the socket is closed. */
    public void run() {
        while (true) {
            try {
                buffer.clear();
                InetSocketAddress from = (InetSocketAddress) socket.receive(buffer);
                int length = buffer.position();
                packets.onPacket(new FiveTuple(from, local, Transport.UDP), buffer, length, this);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // one bad packet or failed answer must not stop the listener
                log.debug("UDP {}: packet dropped: {}", local, e.toString());
            }
        }
    }

    @Override
    public void send(ByteBuffer frame, InetSocketAddress client) throws IOException {
        socket.send(frame, client);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
