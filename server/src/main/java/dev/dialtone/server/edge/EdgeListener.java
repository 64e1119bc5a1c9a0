package dev.dialtone.server.edge;

import dev.dialtone.relay.TurnServer;
import dev.dialtone.relay.server.PemCertificate;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP port for everything a client needs ({@code dialtone.edge.port}, 443 in production): TLS
 * or not, and inside it HTTP (Socket.IO over websocket or long-polling, the test-call page) or
 * STUN/TURN (RFC 8656 section 3.1 framing, handed to the relay). What a connection carries is told
 * from its first bytes ({@link FirstBytes}), and inside TLS from ALPN {@code stun.turn} (RFC 7443)
 * or the first decrypted bytes. Each connection starts on a virtual thread blocked in its reads
 * ({@link EdgeTls} for TLS); one still in its first flight is bounded by {@link FirstFlights}.
 * Socket.IO goes to the signaling service's event loop once its first request head is read, with
 * the TLS engine ({@link EdgeTlsHandler}) and what was read ({@link AlreadyRead}), and the thread
 * ends: the signaling service serves it as a connection to its own port. Other HTTP stays on the
 * thread ({@link HttpForwarding}). TURN goes to the relay's stream loop, the engine of a TLS
 * connection with it, and the thread waits parked until the relay closes it: the relay serves
 * every TURN connection alike, whichever port it came in on.
 */
public final class EdgeListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeListener.class);
    /** First bytes, the TLS handshake and the first HTTP request head must all arrive within this. */
    static final Duration FIRST_FLIGHT = Duration.ofSeconds(10);
    /** Connections in their first flight at once; the oldest is closed to admit one more. */
    static final int MAX_FIRST_FLIGHTS = 4096;
    private static final String STUN_TURN = "stun.turn";
    private static final String HTTP_1_1 = "http/1.1";

    private final EdgeConfig config;
    private final ServerSocket server;
    private final PemCertificate certificate;
    private final TurnServer relay;
    private final HttpForwarding http;
    private final Signaling signaling;
    private final EdgeCounters counters = new EdgeCounters();
    private final FirstFlights firstFlights;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    /** The signaling service, which takes the connections that carry Socket.IO ({@code SignalingServer::adopt}). */
    @FunctionalInterface
    public interface Signaling {
        /**
         * Serves {@code socket} from now on, its bytes through {@code first}; returns its channel.
         */
        Channel adopt(SocketChannel socket, List<ChannelHandler> first);
    }

    /**
     * Binds now, so that a taken port fails the start.
     *
     * @param certificate null when the port speaks no TLS
     * @param relay     null when the built-in relay is off: STUN/TURN connections are then closed
     * @param signaling where Socket.IO connections go; null on a relay-only node: they are answered 404
     * @param page      where the test-call page and health requests go
     */
    public EdgeListener(EdgeConfig config, PemCertificate certificate, EdgeStamp stamp, TurnServer relay,
                        Signaling signaling, InetSocketAddress page) throws IOException {
        this.config = config;
        this.certificate = certificate;
        this.relay = relay;
        this.signaling = signaling;
        this.http = new HttpForwarding(page, stamp, counters, signaling != null);
        // accepted through a channel: a plain TURN/TCP connection is then handed to the relay's
        // loop, non-blocking, rather than served by a thread of its own
        this.server = ServerSocketChannel.open().socket();
        try {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(config.host(), config.port()), 1024);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        this.firstFlights = new FirstFlights(FIRST_FLIGHT, MAX_FIRST_FLIGHTS, counters);
    }

    public void start() {
        Thread.ofPlatform().daemon().name("edge-accept").start(this::acceptLoop);
        log.info("edge port {} listening on {}: {}HTTP ({}/healthz) and TURN over {}{}",
                config.port(), config.host(), certificate != null ? "HTTPS, " : "",
                signaling != null ? "Socket.IO, test-call page, " : "", certificate != null ? "TLS and TCP" : "TCP",
                relay == null ? " (TURN refused: the built-in relay is off)" : "");
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.size();
    }

    /** Connections that have not yet shown what they carry. */
    public int firstFlights() {
        return firstFlights.size();
    }

    EdgeCounters counters() {
        return counters;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                firstFlights.admit(socket);
                Thread.ofVirtual().name("edge-connection").start(() -> serve(socket));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("edge port {}: accept failed: {}", config.port(), e.toString());
                    pause(); // out of descriptors, say: neither spin nor flood the log
                }
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(Socket socket) {
        boolean handedOver = false;
        try {
            socket.setTcpNoDelay(true);
            FirstBytes first = FirstBytes.read(socket.getInputStream());
            if (first == null) {
                return;
            }
            switch (first.protocol()) {
                case TLS -> handedOver = tls(socket, first.bytes());
                case STUN -> turn(socket, null, first.bytes());
                case HTTP -> handedOver = http(socket, null, first.bytes());
                case OTHER -> refuse(socket, EdgeCounters.Refusal.UNKNOWN);
            }
        } catch (SSLException e) {
            if (firstFlights.done(socket)) {
                counters.refused(EdgeCounters.Refusal.TLS_FAILED);
                log.debug("edge: TLS handshake with {} failed: {}", socket.getRemoteSocketAddress(), e.toString());
            }
        } catch (IOException e) {
            log.debug("edge: connection from {} ended: {}", socket.getRemoteSocketAddress(), e.toString());
        } catch (RuntimeException e) {
            log.warn("edge: connection from {} failed", socket.getRemoteSocketAddress(), e);
        } finally {
            firstFlights.done(socket);
            if (!handedOver) {
                closeQuietly(socket);
                open.remove(socket);
            }
        }
    }

    /** Returns true when the connection was handed to the signaling service. */
    private boolean tls(Socket socket, byte[] head) throws IOException {
        if (certificate == null) {
            refuse(socket, EdgeCounters.Refusal.NO_CERTIFICATE);
            return false;
        }
        EdgeTls tls = EdgeTls.handshake(socket, head, certificate.current(), EdgeListener::choose);
        if (STUN_TURN.equals(tls.applicationProtocol())) {
            turn(socket, tls, new byte[0]);
            return false;
        }
        FirstBytes inner = FirstBytes.read(tls.input());
        if (inner == null) {
            return false;
        }
        switch (inner.protocol()) {
            case STUN -> turn(socket, tls, inner.bytes());
            case HTTP -> {
                return http(socket, tls, inner.bytes());
            }
            case TLS, OTHER -> refuse(socket, EdgeCounters.Refusal.UNKNOWN);
        }
        return false;
    }

    /** RFC 7443's {@code stun.turn} when offered, else HTTP/1.1; null (no ALPN) for anything else. */
    private static String choose(List<String> offered) {
        return offered.contains(STUN_TURN) ? STUN_TURN : offered.contains(HTTP_1_1) ? HTTP_1_1 : null;
    }

    /**
     * Hands the connection to the relay's stream loop and waits, parked, until it closes.
     *
     * @param tls  null for plain TCP
     * @param head plaintext already read
     */
    private void turn(Socket socket, EdgeTls tls, byte[] head) {
        if (relay == null) {
            refuse(socket, EdgeCounters.Refusal.NO_RELAY);
            return;
        }
        if (!firstFlights.done(socket)) {
            return;
        }
        counters.served(tls != null ? EdgeCounters.Kind.TURN_TLS : EdgeCounters.Kind.TURN_TCP);
        relay.serveStream(socket.getChannel(), head, tls == null ? null : tls.engine());
    }

    /**
     * Serves the HTTP of a connection, plain or inside {@code tls}; returns true when it was handed
     * to the signaling service, which closes it from then on.
     */
    private boolean http(Socket socket, EdgeTls tls, byte[] head) throws IOException {
        InputStream in = tls == null ? socket.getInputStream() : tls.input();
        OutputStream out = tls == null ? socket.getOutputStream() : tls.output();
        boolean handedOver = http.serve(socket, in, out, head, tls != null, () -> {
            if (!firstFlights.done(socket)) {
                return false;
            }
            counters.served(tls != null ? EdgeCounters.Kind.HTTPS : EdgeCounters.Kind.HTTP);
            return true;
        }, alreadyRead -> handOver(socket, tls, alreadyRead));
        if (!handedOver && tls != null) {
            tls.closeOutbound();
        }
        return handedOver;
    }

    private void handOver(Socket socket, EdgeTls tls, byte[] alreadyRead) {
        List<ChannelHandler> first = tls == null ? List.of(new AlreadyRead(alreadyRead))
                : List.of(new EdgeTlsHandler(tls.engine()), new AlreadyRead(alreadyRead));
        signaling.adopt(socket.getChannel(), first).closeFuture().addListener(closed -> open.remove(socket));
    }

    private void refuse(Socket raw, EdgeCounters.Refusal reason) {
        if (firstFlights.done(raw)) {
            counters.refused(reason);
            log.debug("edge: closed {}: {}", raw.getRemoteSocketAddress(), reason.label);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("edge: closing a connection: {}", e.toString());
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("edge: closing the listener: {}", e.toString());
        }
        firstFlights.close();
        open.forEach(EdgeListener::closeQuietly);
    }
}
