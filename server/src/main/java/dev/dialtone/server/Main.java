package dev.dialtone.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.dialtone.common.ListenException;
import dev.dialtone.common.StartupException;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.relay.RelayConfig;
import dev.dialtone.relay.TurnServer;
import dev.dialtone.relay.server.PemCertificate;
import dev.dialtone.server.http.AdminApi;
import dev.dialtone.server.http.AdminConfig;
import dev.dialtone.server.config.ConfigLoader;
import dev.dialtone.server.edge.EdgeConfig;
import dev.dialtone.server.edge.EdgeListener;
import dev.dialtone.server.edge.EdgeMetrics;
import dev.dialtone.server.edge.EdgeStamp;
import dev.dialtone.server.edge.WarmupEdge;
import dev.dialtone.server.http.HttpConfig;
import dev.dialtone.server.http.OpsHttpServer;
import dev.dialtone.server.logging.QuietLoggers;
import dev.dialtone.signaling.SignalingConfig;
import dev.dialtone.signaling.SignalingServer;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.turn.EdgeConnections;
import dev.dialtone.signaling.turn.IceUrls;
import dev.dialtone.signaling.turn.ReachedHost;
import dev.dialtone.signaling.warmup.CallPathWarmup;
import dev.dialtone.signaling.warmup.WarmupConfig;
import dev.dialtone.signaling.warmup.WarmupDoor;
import io.netty.util.ResourceLeakDetector;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import sun.misc.Signal;

/**
 * Starts Dialtone from one configuration: defaults, then -Dconfig.file, then -Dkey=value; in trial
 * mode when no secret is configured. {@code token <userId>} prints a client token instead.
 * Exit code 2: the configuration or a taken port refused the start, with one log line per reason.
 */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);
    /** The most a drain may take before the process stops regardless. */
    private static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(15);
    /** Time for the last callEnded events to leave before the sockets close. */
    private static final Duration FLUSH = Duration.ofMillis(500);

    private Main() {
    }

    /**
     * Netty tracks one buffer allocation in 128 for leaks, and each one tracked records a stack trace
     * on the event loop: 2 % of its CPU under calls (bench/README.md). Tests run with it on (the e2e
     * harness asks for it); an operator chasing a leak sets {@code -Dio.netty.leakDetection.level}.
     */
    private static void leakTrackingOffUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            System.exit(command(args));
            return;
        }
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        leakTrackingOffUnlessAsked();
        Dialtone dialtone;
        try {
            Config config = ConfigLoader.load();
            boolean trial = TrialMode.applies(config);
            dialtone = Dialtone.start(trial ? TrialMode.apply(config) : config);
            if (trial) {
                log.warn(TrialMode.invitation(config));
            }
        } catch (StartupException e) {
            e.problems().forEach(problem -> log.error("cannot start: {}", problem));
            System.exit(2);
            return;
        } catch (ListenException e) {
            log.error("cannot start: {}", e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException | IOException e) {
            log.error("Dialtone failed to start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        // SIGTERM and SIGINT drain and exit 0: an orchestrator's stop is a normal end, not a crash.
        Signal.handle(new Signal("TERM"), sig -> stop(dialtone, sig));
        Signal.handle(new Signal("INT"), sig -> stop(dialtone, sig));
    }

    /** {@code java -jar dialtone.jar <command> ...}; returns the exit code. */
    private static int command(String[] args) {
        if (args[0].equals("token")) {
            return TokenCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err);
        }
        System.err.println("dialtone: unknown command " + args[0] + "; without arguments the server starts, or "
                + TokenCommand.USAGE);
        return 2;
    }

    private static void stop(Dialtone dialtone, Signal signal) {
        log.info("SIG{} received: draining", signal.getName());
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(SHUTDOWN_LIMIT.toMillis());
                log.error("shutdown took longer than {}; exiting anyway", SHUTDOWN_LIMIT);
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        // not on the signal's own thread: it is a daemon, and once the drain has ended the last other
        // thread the JVM would exit under it, before the drain is over and "Dialtone stopped" is logged
        Thread.ofPlatform().name("drain").daemon(false).start(() -> {
            dialtone.drain();
            log.info("Dialtone stopped");
            System.exit(0);
        });
    }

    /** The running services, closed in reverse order of start. */
    static final class Dialtone implements AutoCloseable, OpsHttpServer.Status, AdminApi.Backend {

        private final PrometheusRegistry registry = new PrometheusRegistry();
        private final AtomicBoolean ready = new AtomicBoolean();
        private SignalingServer signaling;
        private TurnServer relay;
        private OpsHttpServer http;
        private EdgeListener edge;

        static Dialtone start(Config config) throws IOException {
            Dialtone d = new Dialtone();
            try {
                d.startAll(config);
            } catch (RuntimeException | IOException e) {
                d.close();
                throw e;
            }
            return d;
        }

        private void startAll(Config config) throws IOException {
            RelayConfig relayConfig;
            TurnConfig turn;
            IceUrls urls = null;
            SignalingConfig signalingConfig = null;
            HttpConfig httpConfig;
            AdminConfig adminConfig;
            WarmupConfig warmup = null;
            ReachedHost reachedHost = null;
            EdgeConfig edgeConfig;
            PemCertificate edgeCertificate = null;
            EdgeStamp edgeStamp = new EdgeStamp();
            String publicHost = config.getString("dialtone.turn.public-host");
            try {
                relayConfig = RelayConfig.from(config);
                boolean relayOnly = RelayOnly.check(config, relayConfig);
                List<String> ignored = relayOnly ? RelayOnly.ignoredSettings(config) : List.of();
                if (!ignored.isEmpty()) {
                    log.warn("relay-only node: settings of the signaling service, which do nothing here: {}",
                            String.join(", ", ignored));
                }
                turn = TurnConfig.from(config);
                edgeConfig = EdgeConfig.from(config);
                httpConfig = HttpConfig.from(config);
                adminConfig = AdminConfig.from(config);
                if (relayConfig.enabled()) {
                    relay = new TurnServer(relayConfig, turn);
                }
                if (edgeConfig.enabled() && edgeConfig.tls()) {
                    edgeCertificate = PemCertificate.load(edgeConfig.certFile().orElseThrow(),
                            edgeConfig.keyFile().orElseThrow(), "dialtone.edge.cert-file", "key-file", "edge port",
                            Clock.systemUTC());
                }
                if (!relayOnly) {
                    urls = AdvertisedTurnUrls.of(turn, relayConfig, publicHost, edgeConfig);
                    signalingConfig = SignalingConfig.from(config);
                    warmup = WarmupConfig.from(config);
                    reachedHost = new ReachedHost(httpConfig::trustedProxy,
                            relay != null ? relay.advertisedAddress() : InetAddress.getLoopbackAddress(),
                            edgeConfig.enabled() ? edgeStamp : EdgeConnections.NONE);
                    // Checks the JWT secret: every mistake is reported before anything listens.
                    signaling = new SignalingServer(signalingConfig, turn, urls, reachedHost, registry);
                }
            } catch (IllegalArgumentException | ConfigException e) {
                throw new StartupException(e.getMessage());
            }

            // The relay first: it reads its TLS files before it binds anything.
            if (relay != null) {
                relay.start(edgeConfig.enabled() && edgeConfig.udp()
                        ? new TurnServer.UdpPort[] {new TurnServer.UdpPort(edgeConfig.port(), "dialtone.edge.port",
                                "the edge port, STUN/TURN over UDP")}
                        : new TurnServer.UdpPort[0]);
                RelayMetrics.register(registry, relay.counters());
            } else {
                log.info("built-in relay disabled; clients use {}", urls);
            }
            if (signaling != null && urls.perClient() && AdvertisedTurnUrls.publicAddress(relayConfig, publicHost).isEmpty()) {
                log.warn("neither dialtone.turn.public-host nor dialtone.relay.external-ip is set: iceServers name"
                        + " the host each client reached this server by; set dialtone.turn.public-host to the name"
                        + " clients reach the relay by (or dialtone.relay.external-ip behind a 1:1 NAT), and list"
                        + " reverse proxies in dialtone.http.trusted-proxies");
            }
            InetSocketAddress httpAddress = new InetSocketAddress(httpConfig.host(), httpConfig.port());
            OpsHttpServer.TestCallPage page = signalingConfig == null ? null : new OpsHttpServer.TestCallPage(
                    signalingConfig.port(), OpsHttpServer.devTokens(signalingConfig.auth().jwtSecret(),
                            signalingConfig.auth().userClaim()));
            http = ListenException.bind("dialtone.http.host", "dialtone.http.port", httpAddress,
                    "the HTTP server: health, metrics, test-call page", () -> new OpsHttpServer(httpConfig, this, page,
                            new AdminApi(adminConfig, this), edgeStamp));
            http.start();
            if (signaling != null) {
                if (warmup.enabled()) {
                    warmUp(warmup, signalingConfig, turn, urls, reachedHost,
                            edgeConfig.enabled() ? new WarmupEdge(edgeConfig, edgeCertificate) : null);
                }
                InetSocketAddress signalingAddress = new InetSocketAddress(signalingConfig.host(), signalingConfig.port());
                ListenException.bind("dialtone.signaling.host", "dialtone.signaling.port", signalingAddress,
                        "the Socket.IO signaling service", () -> {
                            signaling.start();
                            return signaling;
                        });
            }
            if (edgeConfig.enabled()) {
                InetSocketAddress edgeAddress = new InetSocketAddress(edgeConfig.host(), edgeConfig.port());
                PemCertificate certificate = edgeCertificate;
                EdgeListener.Signaling socketIo = signaling == null ? null : signaling::adopt;
                edge = ListenException.bind("dialtone.edge.host", "dialtone.edge.port", edgeAddress,
                        "the edge port: HTTPS, wss and TURN on one port", () -> new EdgeListener(edgeConfig, certificate,
                                edgeStamp, relay, socketIo, local(httpAddress)));
                edge.start();
                EdgeMetrics.register(registry, edge);
            }
            ready.set(true);
            if (signaling == null) {
                log.info("Dialtone started as a relay-only node (dialtone.signaling.enabled = false): STUN/TURN,"
                        + " health and metrics; no Socket.IO");
            } else {
                log.info("Dialtone started; iceServers advertise {}", urls);
            }
        }

        /** Compiles the call path before the port opens; quietly, and never fatal (CallPathWarmup). */
        private static void warmUp(WarmupConfig warmup, SignalingConfig signaling, TurnConfig turn, IceUrls urls,
                                   ReachedHost reachedHost, WarmupDoor edge) {
            log.info("warming up the call path before the signaling port opens: {} calls on a private loopback server",
                    warmup.calls());
            CallPathWarmup.Result r = QuietLoggers.during(
                    List.of("dev.dialtone.signaling", "com.corundumstudio", "dev.dialtone.server.edge"),
                    () -> CallPathWarmup.run(warmup, signaling, turn, urls, reachedHost, edge));
            if (r.stoppedBy().isPresent()) {
                log.warn("call path warm-up stopped after {} of {} calls in {} ms: {}; starting anyway, the first calls"
                        + " will be slower", r.calls(), warmup.calls(), r.took().toMillis(), r.stoppedBy().get());
            } else {
                log.info("call path warmed up: {} calls in {} ms, {} sockets of them upgraded from long-polling{}{}",
                        r.calls(), r.took().toMillis(), r.upgraded(), edge == null ? ""
                        : ", " + r.throughDoor() + " connections through a private copy of the edge port",
                        r.compilerIdle() ? ""
                        : "; the JIT was still compiling at dialtone.signaling.warmup.max-time, it goes on meanwhile");
            }
        }

        /** Where the edge reaches a service listening on {@code address}: loopback for a wildcard. */
        private static InetSocketAddress local(InetSocketAddress address) {
            return address.getAddress().isAnyLocalAddress()
                    ? new InetSocketAddress(InetAddress.getLoopbackAddress(), address.getPort()) : address;
        }

        @Override
        public boolean ready() {
            return ready.get();
        }

        /** Read after {@code ready}, which is set once both are assigned and cleared before they go. */
        @Override
        public Optional<CallSessions> sessions() {
            SignalingServer s = ready.get() ? signaling : null;
            return Optional.ofNullable(s).map(SignalingServer::sessions);
        }

        @Override
        public Optional<TurnServer> relay() {
            return ready.get() ? Optional.ofNullable(relay) : Optional.empty();
        }

        @Override
        public String metrics() {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
            try {
                new PrometheusTextFormatWriter(false).write(out, registry.scrape());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString(StandardCharsets.UTF_8);
        }

        /** Not ready any more, calls ended and told, then everything closed. */
        void drain() {
            ready.set(false);
            if (signaling != null) {
                signaling.drain(FLUSH);
                signaling = null;
            }
            close();
        }

        @Override
        public void close() {
            ready.set(false);
            if (edge != null) {
                edge.close();
            }
            if (signaling != null) {
                signaling.close();
            }
            if (relay != null) {
                relay.close();
            }
            if (http != null) {
                http.close();
            }
        }
    }
}
