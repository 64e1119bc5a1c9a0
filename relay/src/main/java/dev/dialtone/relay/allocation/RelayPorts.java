package dev.dialtone.relay.allocation;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Binds relay sockets inside the operator's port range. The first port tried is random, so that
 * relayed addresses are not guessable in sequence, then the range is walked from there; the OS
 * says which ports are free, so nothing here can go stale.
 */
public final class RelayPorts {

    /** Bounds the time one Allocate may spend probing a nearly full range. */
    private static final int MAX_ATTEMPTS = 2048;
    /** Room for bursts from a peer while the relay thread is descheduled; the kernel caps it. */
    private static final int RECEIVE_BUFFER = 1 << 20;

    private final InetAddress address;
    private final int minPort;
    private final int maxPort;

    public RelayPorts(InetAddress address, int minPort, int maxPort) {
        this.address = address;
        this.minPort = minPort;
        this.maxPort = maxPort;
    }

    /**
     * A blocking UDP socket on a free port of the range, an even one when {@code even}.
     *
     * @throws BindException when no port could be bound
     */
    public DatagramChannel bind(boolean even) throws IOException {
        int size = maxPort - minPort + 1;
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0, attempts = 0; i < size && attempts < MAX_ATTEMPTS; i++) {
            int port = minPort + (start + i) % size;
            if (even && (port & 1) != 0) {
                continue;
            }
            attempts++;
            DatagramChannel channel = DatagramChannel.open(address instanceof java.net.Inet6Address
                    ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
            try {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
                channel.bind(new InetSocketAddress(address, port));
                return channel;
            } catch (BindException e) {
                channel.close();
            }
        }
        throw new BindException("no free relay port in " + minPort + "-" + maxPort + " on " + address.getHostAddress());
    }
}
