package dev.dialtone.relay;

import dev.dialtone.common.ListenException;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.AllocationView;
import dev.dialtone.relay.allocation.RelayPorts;
import dev.dialtone.relay.allocation.Transport;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.auth.Nonces;
import dev.dialtone.relay.io.DatagramReader;
import dev.dialtone.relay.policy.PeerAddressPolicy;
import dev.dialtone.relay.server.AllocateHandler;
import dev.dialtone.relay.server.ChannelBindHandler;
import dev.dialtone.relay.server.ClientPackets;
import dev.dialtone.relay.server.Hairpin;
import dev.dialtone.relay.server.CreatePermissionHandler;
import dev.dialtone.relay.server.Lifetimes;
import dev.dialtone.relay.server.PeerCheck;
import dev.dialtone.relay.server.PeerPackets;
import dev.dialtone.relay.server.RefreshHandler;
import dev.dialtone.relay.server.RequestHandler;
import dev.dialtone.relay.server.StreamListener;
import dev.dialtone.relay.server.StreamClients;
import dev.dialtone.relay.server.StreamLoop;
import dev.dialtone.relay.server.PemCertificate;
import dev.dialtone.relay.server.TlsContexts;
import dev.dialtone.relay.server.TlsEngine;
import dev.dialtone.relay.server.UdpAddresses;
import dev.dialtone.relay.server.UdpListener;
import dev.dialtone.relay.server.Workers;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The STUN/TURN relay: listeners for UDP, TCP and TLS on every configured address, the allocation
 * table, and the once-a-second sweep that ends what has expired. {@link #start()} binds everything
 * before returning; {@link #close()} releases every socket and waits (boundedly) for the threads.
 */
public final class TurnServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TurnServer.class);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);
    private static final String LISTEN_ADDRESSES = "dialtone.relay.listen-addresses";

    private final RelayConfig config;
    private final TurnConfig turn;
    private final Clock clock;
    private final AllocationTable allocations;
    private final RelayCounters counters;
    private final Workers workers = new Workers();
    private final List<UdpListener> udpListeners = new ArrayList<>();
    private final List<StreamListener> tcpListeners = new ArrayList<>();
    private final List<StreamListener> tlsListeners = new ArrayList<>();
    /** The loop of stream clients: the TCP and TLS connections, and every TCP and TLS allocation's relay socket. */
    private StreamLoop streamLoop;
    /** Every TCP and TLS connection, the edge's included; set once the relay has started. */
    private volatile StreamClients streamClients;
    private ScheduledExecutorService sweeper;
    private final InetAddress relayAddress;
    private final InetAddress advertised;

    public TurnServer(RelayConfig config, TurnConfig turn) {
        this(config, turn, Clock.systemUTC());
    }

    /** With a clock of the caller's, for tests of expiry. */
    public TurnServer(RelayConfig config, TurnConfig turn, Clock clock) {
        this.config = config;
        this.turn = turn;
        this.clock = clock;
        this.allocations = new AllocationTable(config.userQuota(), config.totalQuota());
        this.counters = new RelayCounters(allocations::size);
        this.relayAddress = config.relayAddress().orElseGet(this::defaultRelayAddress);
        this.advertised = config.externalIp().orElse(relayAddress);
    }

    /**
     * Binds every listener and starts serving.
     *
     * @throws IOException when a port cannot be bound or the TLS certificate cannot be loaded
     */
    public void start() throws IOException {
        start(new UdpPort[0]);
    }

    /**
     * Binds every listener, and STUN/TURN over UDP on {@code moreUdp} ports too (on the same
     * listen addresses), and starts serving.
     *
     * @throws IOException when a port cannot be bound or the TLS certificate cannot be loaded
     */
    public synchronized void start(UdpPort... moreUdp) throws IOException {
        if (sweeper != null) {
            throw new IllegalStateException("already started");
        }
        Lifetimes lifetimes = new Lifetimes(config.defaultLifetime(), config.maxLifetime());
        PeerCheck peers = new PeerCheck(new PeerAddressPolicy(config.allowLoopbackPeers(), config.allowedPeerCidrs()));
        RequestHandler requests = new RequestHandler(
                new LongTermCredentials(new TurnRestSecret(turn.secret()), turn.realm(),
                        new Nonces(clock, config.nonceLifetime()), clock),
                allocations,
                new AllocateHandler(allocations, new RelayPorts(relayAddress, config.minPort(), config.maxPort(),
                        allocations::holdsRelayedPort), advertised, config.maxBytesPerSecond(), lifetimes, counters, clock),
                new RefreshHandler(allocations, lifetimes, clock),
                new CreatePermissionHandler(peers, clock),
                new ChannelBindHandler(peers, clock));
        PeerPackets peerPackets = new PeerPackets(counters, clock);
        ClientPackets clientPackets = new ClientPackets(allocations, requests, counters, clock,
                new Hairpin(Set.copyOf(List.of(relayAddress, advertised)), allocations, peerPackets));
        try {
            bind(clientPackets, peerPackets, tlsContext(), moreUdp);
        } catch (IOException e) {
            closeListeners();
            throw e;
        }
        for (int i = 0; i < udpListeners.size(); i++) {
            UdpListener listener = udpListeners.get(i);
            workers.start("relay-udp-" + i + "-" + listener.localAddress(), listener::run);
        }
        workers.start("relay-stream-loop", streamLoop::run);
        tcpListeners.forEach(l -> workers.start("relay-tcp-accept-" + l.localAddress(), l::run));
        tlsListeners.forEach(l -> workers.start("relay-tls-accept-" + l.localAddress(), l::run));
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "relay-expiry");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        log.info("TURN relay listening on UDP {} ({} loops{}), TCP {} port {}{}, relaying from {} ports {}-{},"
                        + " advertising {}, realm {}",
                udpListeners.stream().map(l -> l.localAddress().getAddress().getHostAddress()).distinct().toList(),
                udpListeners.size(), moreUdp.length == 0 ? "" : "; UDP also on port "
                        + List.of(moreUdp).stream().map(p -> String.valueOf(p.port())).toList(),
                config.listenAddresses().stream().map(InetAddress::getHostAddress).toList(),
                config.port(), config.tlsPort() > 0 ? ", TLS port " + config.tlsPort() : ", TLS off",
                relayAddress.getHostAddress(), config.minPort(), config.maxPort(), advertised.getHostAddress(),
                turn.realm());
    }

    private void bind(ClientPackets clientPackets, PeerPackets peerPackets, Supplier<SSLContext> tls, UdpPort[] moreUdp)
            throws IOException {
        DatagramReader reader = DatagramReader.best();
        log.info("TURN relay reads UDP with {}", reader.describe());
        streamLoop = new StreamLoop(peerPackets, reader, clock);
        StreamClients streams = new StreamClients(streamLoop, tls, clientPackets, allocations, counters, clock);
        streamClients = streams;
        int loops = config.udpLoops(Runtime.getRuntime().availableProcessors());
        List<UdpPort> udpPorts = new ArrayList<>(List.of(new UdpPort(config.port(), "dialtone.relay.port", "the TURN relay, UDP")));
        udpPorts.addAll(List.of(moreUdp));
        for (UdpPort port : udpPorts) {
            for (InetAddress address : UdpAddresses.expand(config.listenAddresses())) {
                // SO_REUSEPORT would let a second relay on this port join silently; the TCP listener on the
                // same port, bound next without it, still fails the start in that case
                for (int i = 0; i < loops; i++) {
                    InetSocketAddress udpAddress = new InetSocketAddress(address, port.port());
                    udpListeners.add(ListenException.bind(LISTEN_ADDRESSES, port.key(), udpAddress, port.service(),
                            () -> new UdpListener(udpAddress, loops > 1, clientPackets, peerPackets, reader,
                                    config.ioUring())));
                }
            }
        }
        log.info("TURN relay sends what clients relay to peers over UDP with {}", udpListeners.get(0).sendsWith());
        for (InetAddress address : config.listenAddresses()) {
            InetSocketAddress turnAddress = new InetSocketAddress(address, config.port());
            tcpListeners.add(ListenException.bind(LISTEN_ADDRESSES, "dialtone.relay.port", turnAddress,
                    "the TURN relay, TCP", () -> new StreamListener(turnAddress, Transport.TCP, streams::accepted)));
            if (tls != null) {
                InetSocketAddress tlsAddress = new InetSocketAddress(address, config.tlsPort());
                tlsListeners.add(ListenException.bind(LISTEN_ADDRESSES, "dialtone.relay.tls-port", tlsAddress,
                        "the TURN relay, TLS", () -> new StreamListener(tlsAddress, Transport.TLS, streams::accepted)));
            }
        }
    }

    /**
     * Serves one TCP or TLS connection that someone else accepted (the server's edge port, which
     * tells protocols apart on one port) as the relay's own stream listeners would, on the relay's
     * stream loop; the calling thread waits, parked, until it closes. Closing the relay closes it.
     *
     * @param head plaintext the caller already read from the connection: the start of the first STUN message
     * @param tls  the engine the caller handshook the connection with; null for plain TCP
     */
    public void serveStream(SocketChannel channel, byte[] head, TlsEngine tls) {
        StreamClients streams = streamClients;
        if (streams == null) {
            throw new IllegalStateException("the relay is not started");
        }
        streams.serve(channel, head, tls);
    }

    /**
     * One more UDP port the relay serves STUN/TURN on.
     *
     * @param key     the setting that chose it, named when it cannot be bound
     * @param service what wanted it, named likewise
     */
    public record UdpPort(int port, String key, String service) {
    }

    /** The TLS port's context for each new connection; null when the relay has no TLS port. */
    private Supplier<SSLContext> tlsContext() throws IOException {
        if (config.tlsPort() == 0) {
            return null;
        }
        if (config.tlsCertFile().isPresent()) {
            PemCertificate files = PemCertificate.load(config.tlsCertFile().get(), config.tlsKeyFile().orElseThrow(),
                    "dialtone.relay.tls-cert-file", "tls-key-file", "TURN relay, TLS port", Clock.systemUTC());
            return files::current;
        }
        log.info("no dialtone.relay.tls-cert-file: TURN over TLS uses a self-signed certificate, which browsers"
                + " refuse, so no turns: URL is derived for it");
        try {
            SSLContext selfSigned = TlsContexts.selfSigned("dialtone-relay");
            return () -> selfSigned;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private void sweep() {
        try {
            for (Allocation expired : allocations.expire(clock.millis())) {
                log.info("{} expired", expired);
            }
        } catch (RuntimeException e) {
            log.error("expiry sweep failed", e);
        }
    }

    /**
     * The first listen address when it is a concrete one; otherwise the host's first non-loopback
     * IPv4 address, since a relayed address must be one that peers can send to.
     */
    private InetAddress defaultRelayAddress() {
        InetAddress listen = config.listenAddresses().get(0);
        if (!listen.isAnyLocalAddress()) {
            return listen;
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && nic.isUp()) {
                        return address;
                    }
                }
            }
        } catch (SocketException e) {
            log.warn("cannot list network interfaces: {}", e.toString());
        }
        log.warn("no non-loopback IPv4 address found: relaying from 127.0.0.1; set dialtone.relay.relay-address");
        return InetAddress.getLoopbackAddress();
    }

    /**
     * At most {@code limit} of the live allocations, any of them when there are more (their number
     * is {@code counters().allocations()}), oldest first.
     */
    public List<AllocationView> allocations(int limit) {
        List<AllocationView> views = new ArrayList<>(allocations.views(limit, clock.millis()));
        views.sort(Comparator.comparingLong(AllocationView::ageMillis).reversed());
        return views;
    }

    /** The address put in XOR-RELAYED-ADDRESS: external-ip, else the relay address. */
    public InetAddress advertisedAddress() {
        return advertised;
    }

    /** Totals for metrics. */
    public RelayCounters counters() {
        return counters;
    }

    /** Stops listening, deletes every allocation and waits up to 5 s for the relay's threads. */
    @Override
    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        closeListeners();
        allocations.removeAll();
        try {
            if (!workers.awaitAll(SHUTDOWN_WAIT)) {
                log.warn("{} relay threads still running after {}", workers.count(), SHUTDOWN_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("TURN relay stopped");
    }

    private void closeListeners() {
        List<AutoCloseable> all = new ArrayList<>(udpListeners);
        all.addAll(tcpListeners);
        all.addAll(tlsListeners);
        if (streamClients != null) {
            all.add(streamClients);
        }
        for (AutoCloseable listener : all) {
            try {
                listener.close();
            } catch (Exception e) {
                log.debug("closing {} failed: {}", listener, e.toString());
            }
        }
    }
}
