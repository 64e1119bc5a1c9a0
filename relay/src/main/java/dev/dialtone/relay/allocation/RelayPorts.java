package dev.dialtone.relay.allocation;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;

/**
 * Binds relay sockets inside the operator's port range. The first port tried is random, so that
 * relayed addresses are not guessable in sequence, then the range is walked from there. Ports the
 * relay's own allocations hold are skipped without a system call, so a range nearly or wholly in
 * use (10,000 allocations in 10,848 ports) costs a walk over a map, not thousands of failed binds
 * on the thread that also relays; for every other port the OS says whether it is free, so nothing
 * here can go stale.
 */
public final class RelayPorts {

    /** Bounds the binds one Allocate may try on ports held by other processes. */
    private static final int MAX_ATTEMPTS = 2048;
    /** Room for bursts from a peer while the relay thread is descheduled; the kernel caps it. */
    private static final int RECEIVE_BUFFER = 1 << 20;

    private final InetAddress address;
    private final int minPort;
    private final int maxPort;
    private final IntPredicate held;

    /** @param held true for a port an allocation of this relay holds now */
    public RelayPorts(InetAddress address, int minPort, int maxPort, IntPredicate held) {
        this.address = address;
        this.minPort = minPort;
        this.maxPort = maxPort;
        this.held = held;
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
            if (even && (port & 1) != 0 || held.test(port)) {
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
        throw new BindException("no free " + (even ? "even " : "") + "relay port in " + minPort + "-" + maxPort
                + " on " + address.getHostAddress());
    }
}
