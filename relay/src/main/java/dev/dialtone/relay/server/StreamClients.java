package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.Transport;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every TCP and TLS client connection of the relay, whoever accepted it, and how each is served.
 * Plain TCP connections accepted by the relay's own listeners are served by the {@link StreamLoop}
 * without a thread of their own ({@link TcpConnection}). TLS connections, and connections handed
 * over by the edge port (which come as a blocking {@link java.net.Socket}, perhaps with bytes
 * already read), are served each on a virtual thread ({@link StreamConnection}).
 */
public final class StreamClients implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamClients.class);

    private final StreamLoop loop;
    private final ClientPackets packets;
    private final AllocationTable allocations;
    private final Workers workers;
    private final RelayCounters counters;
    private final Clock clock;
    private final Set<StreamConnection> threaded = ConcurrentHashMap.newKeySet();

    public StreamClients(StreamLoop loop, ClientPackets packets, AllocationTable allocations, Workers workers,
                         RelayCounters counters, Clock clock) {
        this.loop = loop;
        this.packets = packets;
        this.allocations = allocations;
        this.workers = workers;
        this.counters = counters;
        this.clock = clock;
    }

    /** A connection one of the relay's listeners accepted: served from now on, the caller goes on accepting. */
    public void accepted(StreamConnection.Accepted accepted) {
        SocketChannel channel = accepted.socket().getChannel();
        if (accepted.transport() == Transport.TCP && channel != null && accepted.head().length == 0) {
            try {
                loop.adopt(new TcpConnection(channel, accepted.local(), packets, allocations, loop, counters,
                        clock.millis()));
            } catch (IOException e) {
                log.debug("{}: cannot serve: {}", accepted.socket().getRemoteSocketAddress(), e.toString());
                closeQuietly(channel);
            }
            return;
        }
        workers.startVirtual("relay-" + accepted.transport().name().toLowerCase() + "-"
                + accepted.socket().getRemoteSocketAddress(), () -> serve(accepted));
    }

    /** Serves one connection on the calling thread until it closes. */
    public void serve(StreamConnection.Accepted accepted) {
        StreamConnection connection = new StreamConnection(accepted, packets, allocations, workers, loop, counters, clock);
        threaded.add(connection);
        try {
            connection.run();
        } finally {
            threaded.remove(connection);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // it was failing already
        }
    }

    /** Closes every connection, which ends their allocations, and stops the loop. */
    @Override
    public void close() throws IOException {
        loop.close();
        for (StreamConnection connection : threaded) {
            connection.close();
        }
    }
}
