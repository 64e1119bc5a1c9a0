package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.Transport;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every TCP and TLS client connection of the relay, whoever accepted it, and how each is served.
 * Connections whose sockets come with a {@link SocketChannel} (the relay's own listeners', and the
 * edge port's plain TCP ones) are served by the {@link StreamLoop} without a thread of their own
 * ({@link TcpConnection}, TLS through {@link LoopTls}). The TLS connections the edge port hands
 * over come as the blocking {@link javax.net.ssl.SSLSocket} it handshook: each is served on a
 * virtual thread ({@link StreamConnection}).
 */
public final class StreamClients implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamClients.class);

    private final StreamLoop loop;
    /** Null when the relay has no TLS port. */
    private final SSLContext tls;
    private final ClientPackets packets;
    private final AllocationTable allocations;
    private final Workers workers;
    private final RelayCounters counters;
    private final Clock clock;
    private final Set<StreamConnection> threaded = ConcurrentHashMap.newKeySet();

    /** @param tls the relay's TLS port's; null when it has none */
    public StreamClients(StreamLoop loop, SSLContext tls, ClientPackets packets, AllocationTable allocations,
                         Workers workers, RelayCounters counters, Clock clock) {
        this.loop = loop;
        this.tls = tls;
        this.packets = packets;
        this.allocations = allocations;
        this.workers = workers;
        this.counters = counters;
        this.clock = clock;
    }

    /**
     * A connection one of the relay's listeners accepted (through a channel, TLS not begun): served
     * from now on, by the loop; the caller goes on accepting.
     */
    public void accepted(StreamConnection.Accepted accepted) {
        try {
            loop.adopt(tcpConnection(accepted));
        } catch (IOException e) {
            failed(accepted, e);
        }
    }

    /**
     * Serves one connection that someone else accepted (the edge port), until it closes: the loop
     * serves plain TCP while the calling thread waits, parked; the calling thread serves TLS, which
     * comes handshaken, as a blocking {@link javax.net.ssl.SSLSocket}.
     */
    public void serve(StreamConnection.Accepted accepted) {
        if (accepted.transport() != Transport.TCP || accepted.socket().getChannel() == null) {
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

    private TcpConnection tcpConnection(StreamConnection.Accepted accepted) throws IOException {
        LoopTls session = null;
        if (accepted.transport() == Transport.TLS) {
            SSLEngine engine = tls.createSSLEngine();
            engine.setUseClientMode(false);
            session = new LoopTls(engine);
        }
        return new TcpConnection(accepted.socket().getChannel(), session, accepted.head(), accepted.local(), packets,
                allocations, loop, counters, clock.millis());
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
