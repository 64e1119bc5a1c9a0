package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STUN/TURN over TCP or TLS on one address: accepts connections and hands each to whoever serves
 * it, with its {@link java.nio.channels.SocketChannel}, so that it can be served without a thread of
 * its own; TLS is the server's business, not the listener's.
 */
public final class StreamListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamListener.class);
    private static final int BACKLOG = 256;
    /**
     * After a failed accept (out of descriptors, most often) the connection stays in the backlog,
     * so an immediate retry fails again: wait this long first rather than spin.
     */
    private static final long ACCEPT_RETRY_MILLIS = 100;
    /** Failed accepts are logged at most this often, with their count since the last line. */
    private static final long ACCEPT_LOG_MILLIS = 60_000;

    private final ServerSocket server;
    private final Transport transport;
    private final InetSocketAddress local;
    private final Consumer<StreamClients.Accepted> connections;

    /**
     * Binds now, so that a taken port fails the start.
     *
     * @param transport what its connections carry: TCP or TLS
     */
    public StreamListener(InetSocketAddress address, Transport transport,
                          Consumer<StreamClients.Accepted> connections) throws IOException {
        this.server = ServerSocketChannel.open().socket();
        this.transport = transport;
        try {
            server.setReuseAddress(true);
            server.bind(address, BACKLOG);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + transport + " " + address + ": " + e.getMessage(), e);
        }
        this.local = (InetSocketAddress) server.getLocalSocketAddress();
        this.connections = connections;
    }

    public InetSocketAddress localAddress() {
        return local;
    }

    /** The accept loop; returns when the listener is closed. */
    public void run() {
        long failedAccepts = 0;
        long loggedAt = 0;
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                connections.accept(new StreamClients.Accepted(socket.getChannel(), transport, local));
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
                failedAccepts++;
                long now = System.currentTimeMillis();
                if (loggedAt == 0 || now - loggedAt >= ACCEPT_LOG_MILLIS) {
                    log.warn("{} {}: accept failed ({} since the last line): {}; new connections wait in the backlog"
                                    + " until it succeeds (out of descriptors: raise ulimit -n / LimitNOFILE)",
                            transport, local, failedAccepts, e.toString());
                    loggedAt = now;
                    failedAccepts = 0;
                }
                try {
                    Thread.sleep(ACCEPT_RETRY_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Stops accepting; the connections accepted are closed by whoever serves them. */
    @Override
    public void close() throws IOException {
        server.close();
    }
}
