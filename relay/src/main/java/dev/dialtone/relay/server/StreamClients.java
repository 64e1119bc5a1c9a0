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
 * Plain TCP connections (whose sockets come with a {@link SocketChannel}) are served by the
 * {@link StreamLoop} without a thread of their own ({@link TcpConnection}). TLS connections are
 * served each on a virtual thread ({@link StreamConnection}), with the blocking
 * {@link javax.net.ssl.SSLSocket} the listener or the edge port handshook.
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
        if (!onLoop(accepted)) {
            workers.startVirtual("relay-" + accepted.transport().name().toLowerCase() + "-"
                    + accepted.socket().getRemoteSocketAddress(), () -> serveOnThisThread(accepted));
            return;
        }
        try {
            loop.adopt(tcpConnection(accepted));
        } catch (IOException e) {
            failed(accepted, e);
        }
    }

    /**
     * Serves one connection that someone else accepted (the edge port), until it closes: the calling
     * thread serves it, or waits, parked, while the loop does.
     */
    public void serve(StreamConnection.Accepted accepted) {
        if (!onLoop(accepted)) {
            serveOnThisThread(accepted);
            return;
        }
        try {
            TcpConnection connection = tcpConnection(accepted);
            loop.adopt(connection);
            connection.awaitClosed();
        } catch (IOException e) {
            failed(accepted, e);
        }
    }

    /** Plain TCP whose socket has a channel, to be made non-blocking. */
    private static boolean onLoop(StreamConnection.Accepted accepted) {
        return accepted.transport() == Transport.TCP && accepted.socket().getChannel() != null;
    }

    private TcpConnection tcpConnection(StreamConnection.Accepted accepted) throws IOException {
        return new TcpConnection(accepted.socket().getChannel(), accepted.head(), accepted.local(), packets, allocations,
                loop, counters, clock.millis());
    }

    private static void failed(StreamConnection.Accepted accepted, IOException e) {
        log.debug("{}: cannot serve: {}", accepted.socket().getRemoteSocketAddress(), e.toString());
        try {
            accepted.socket().close();
        } catch (IOException ignored) {
            // it was failing already
        }
    }

    private void serveOnThisThread(StreamConnection.Accepted accepted) {
        StreamConnection connection = new StreamConnection(accepted, packets, allocations, workers, loop, counters, clock);
        threaded.add(connection);
        try {
            connection.run();
        } finally {
            threaded.remove(connection);
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
