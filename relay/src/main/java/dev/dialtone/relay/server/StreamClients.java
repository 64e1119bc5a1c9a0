package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every TCP and TLS client connection of the relay, whoever accepted it: each is served by the
 * {@link StreamLoop} without a thread of its own ({@link TcpConnection}, TLS through
 * {@link TlsEngine}). The relay's own listeners hand over connections as accepted; the edge port
 * hands over the ones it told apart as TURN, with the bytes it read to tell and, for TLS, the
 * engine it handshook.
 */
public final class StreamClients implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamClients.class);

    private final StreamLoop loop;
    /** The TLS port's context for a new connection (the certificate files' current pair); null without a TLS port. */
    private final Supplier<SSLContext> tls;
    private final ClientPackets packets;
    private final AllocationTable allocations;
    private final RelayCounters counters;
    private final Clock clock;

    /** A connection one of the relay's listeners accepted, TLS (if any) not begun. */
    public record Accepted(SocketChannel channel, Transport transport, InetSocketAddress local) {
    }

    /** @param tls the relay's TLS port's context for each new connection; null when it has none */
    public StreamClients(StreamLoop loop, Supplier<SSLContext> tls, ClientPackets packets, AllocationTable allocations,
                         RelayCounters counters, Clock clock) {
        this.loop = loop;
        this.tls = tls;
        this.packets = packets;
        this.allocations = allocations;
        this.counters = counters;
        this.clock = clock;
    }

    /** Served from now on, by the loop; the caller goes on accepting. */
    public void accepted(Accepted accepted) {
        TlsEngine session = null;
        if (accepted.transport() == Transport.TLS) {
            SSLEngine engine = tls.get().createSSLEngine();
            engine.setUseClientMode(false);
            session = new TlsEngine(engine);
        }
        adopt(accepted.channel(), session, new byte[0], accepted.local());
    }

    /**
     * Serves one connection that someone else accepted and read from (the edge port), until it
     * closes: the loop serves it while the calling thread waits, parked.
     *
     * @param head plaintext already read, to be read first
     * @param tls  the engine that handshook the connection; null for plain TCP
     */
    public void serve(SocketChannel channel, byte[] head, TlsEngine tls) {
        try {
            TcpConnection connection = adopt(channel, tls, head, (InetSocketAddress) channel.getLocalAddress());
            if (connection != null) {
                connection.awaitClosed();
            }
        } catch (IOException e) {
            failed(channel, e);
        }
    }

    private TcpConnection adopt(SocketChannel channel, TlsEngine session, byte[] head, InetSocketAddress local) {
        try {
            TcpConnection connection = new TcpConnection(channel, session, head, local, packets, allocations, loop,
                    counters, clock.millis());
            loop.adopt(connection);
            return connection;
        } catch (IOException e) {
            failed(channel, e);
            return null;
        }
    }

    private static void failed(SocketChannel channel, IOException e) {
        log.debug("{}: cannot serve: {}", channel.socket().getRemoteSocketAddress(), e.toString());
        try {
            channel.close();
        } catch (IOException ignored) {
            // it was failing already
        }
    }

    /** Closes every connection, which ends their allocations, and stops the loop. */
    @Override
    public void close() throws IOException {
        loop.close();
    }
}
