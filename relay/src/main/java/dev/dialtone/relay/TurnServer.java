package dev.dialtone.relay;

import dev.dialtone.common.TurnConfig;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.RelayPorts;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.auth.Nonces;
import dev.dialtone.relay.policy.PeerAddressPolicy;
import dev.dialtone.relay.server.AllocateHandler;
import dev.dialtone.relay.server.ChannelBindHandler;
import dev.dialtone.relay.server.ClientPackets;
import dev.dialtone.relay.server.CreatePermissionHandler;
import dev.dialtone.relay.server.Lifetimes;
import dev.dialtone.relay.server.PeerCheck;
import dev.dialtone.relay.server.PeerPackets;
import dev.dialtone.relay.server.RefreshHandler;
import dev.dialtone.relay.server.RequestHandler;
import dev.dialtone.relay.server.StreamConnection;
import dev.dialtone.relay.server.StreamListener;
import dev.dialtone.relay.server.TlsContexts;
import dev.dialtone.relay.server.UdpListener;
import dev.dialtone.relay.server.Workers;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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

    private final RelayConfig config;
    private final TurnConfig turn;
    private final Clock clock;
    private final AllocationTable allocations;
    private final RelayCounters counters;
    private final Workers workers = new Workers();
    private final List<UdpListener> udpListeners = new ArrayList<>();
    private final List<StreamListener> tcpListeners = new ArrayList<>();
    private final List<StreamListener> tlsListeners = new ArrayList<>();
    private ScheduledExecutorService sweeper;

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
    }

    /**
     * Binds every listener and starts serving.
     *
     * @throws IOException when a port cannot be bound or the TLS certificate cannot be loaded
     */
    public synchronized void start() throws IOException {
        if (sweeper != null) {
            throw new IllegalStateException("already started");
        }
        InetAddress relayAddress = config.relayAddress().orElseGet(this::defaultRelayAddress);
        InetAddress advertised = config.externalIp().orElse(relayAddress);
        Lifetimes lifetimes = new Lifetimes(config.defaultLifetime(), config.maxLifetime());
        PeerCheck peers = new PeerCheck(new PeerAddressPolicy(config.allowLoopbackPeers(), config.allowedPeerCidrs()));
        RequestHandler requests = new RequestHandler(
                new LongTermCredentials(new TurnRestSecret(turn.secret()), turn.realm(),
                        new Nonces(clock, config.nonceLifetime()), clock),
                allocations,
                new AllocateHandler(allocations, new RelayPorts(relayAddress, config.minPort(), config.maxPort()),
                        advertised, config.maxBytesPerSecond(), lifetimes, clock),
                new RefreshHandler(allocations, lifetimes, clock),
                new CreatePermissionHandler(peers, clock),
                new ChannelBindHandler(peers, clock));
        ClientPackets clientPackets = new ClientPackets(allocations, requests, counters, clock);
        PeerPackets peerPackets = new PeerPackets(counters, clock);
        try {
            bind(clientPackets, peerPackets, tlsContext());
        } catch (IOException e) {
            closeListeners();
            throw e;
        }
        for (int i = 0; i < udpListeners.size(); i++) {
            UdpListener listener = udpListeners.get(i);
            workers.start("relay-udp-" + i + "-" + listener.localAddress(), listener::run);
        }
        tcpListeners.forEach(l -> workers.start("relay-tcp-accept-" + l.localAddress(), l::run));
        tlsListeners.forEach(l -> workers.start("relay-tls-accept-" + l.localAddress(), l::run));
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "relay-expiry");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        log.info("TURN relay listening on {} UDP ({} loops) and TCP port {}{}, relaying from {} ports {}-{},"
                        + " advertising {}, realm {}", config.listenAddresses().stream().map(InetAddress::getHostAddress).toList(),
                udpListeners.size(), config.port(), config.tlsPort() > 0 ? ", TLS port " + config.tlsPort() : ", TLS off",
                relayAddress.getHostAddress(), config.minPort(), config.maxPort(), advertised.getHostAddress(),
                turn.realm());
    }

    private void bind(ClientPackets clientPackets, PeerPackets peerPackets, SSLContext tls) throws IOException {
        Function<StreamConnection.Accepted, StreamConnection> connections =
                accepted -> new StreamConnection(accepted, clientPackets, allocations, workers, peerPackets);
        for (InetAddress address : config.listenAddresses()) {
            InetSocketAddress turnAddress = new InetSocketAddress(address, config.port());
            // SO_REUSEPORT would let a second relay on this port join silently; the TCP listener on the
            // same port, bound next without it, still fails the start in that case
            int loops = config.udpThreads() > 0 ? config.udpThreads() : Runtime.getRuntime().availableProcessors();
            for (int i = 0; i < loops; i++) {
                udpListeners.add(new UdpListener(turnAddress, loops > 1, clientPackets, peerPackets));
            }
            tcpListeners.add(new StreamListener(turnAddress, null, workers, connections));
            if (tls != null) {
                tlsListeners.add(new StreamListener(new InetSocketAddress(address, config.tlsPort()), tls, workers,
                        connections));
            }
        }
    }

    private SSLContext tlsContext() throws IOException {
        if (config.tlsPort() == 0) {
            return null;
        }
        try {
            if (config.tlsCertFile().isPresent()) {
                return TlsContexts.fromPem(config.tlsCertFile().get(), config.tlsKeyFile().orElseThrow());
            }
            log.info("no dialtone.relay.tls-cert-file: TURN over TLS uses a self-signed certificate");
            return TlsContexts.selfSigned("dialtone-relay");
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
        for (AutoCloseable listener : all) {
            try {
                listener.close();
            } catch (Exception e) {
                log.debug("closing {} failed: {}", listener, e.toString());
            }
        }
    }
}
