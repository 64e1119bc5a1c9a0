package dev.dialtone.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.relay.RelayConfig;
import dev.dialtone.relay.TurnServer;
import dev.dialtone.server.http.HttpConfig;
import dev.dialtone.server.http.OpsHttpServer;
import dev.dialtone.signaling.SignalingConfig;
import dev.dialtone.signaling.SignalingServer;
import dev.dialtone.signaling.turn.IceUrls;
import dev.dialtone.signaling.turn.ReachedHost;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import sun.misc.Signal;

/** Starts Dialtone from one configuration: defaults, then -Dconfig.file, then -Dkey=value. */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);
    /** The most a drain may take before the process stops regardless. */
    private static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(15);
    /** Time for the last callEnded events to leave before the sockets close. */
    private static final Duration FLUSH = Duration.ofMillis(500);

    private Main() {
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        Config config = ConfigFactory.load();
        Dialtone dialtone;
        try {
            dialtone = Dialtone.start(config);
        } catch (RuntimeException | IOException e) {
            log.error("Dialtone failed to start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        // SIGTERM and SIGINT drain and exit 0: an orchestrator's stop is a normal end, not a crash.
        Signal.handle(new Signal("TERM"), sig -> stop(dialtone, sig));
        Signal.handle(new Signal("INT"), sig -> stop(dialtone, sig));
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
        dialtone.drain();
        log.info("Dialtone stopped");
        System.exit(0);
    }

    /** The running services, closed in reverse order of start. */
    static final class Dialtone implements AutoCloseable, OpsHttpServer.Status {

        private final PrometheusRegistry registry = new PrometheusRegistry();
        private final AtomicBoolean ready = new AtomicBoolean();
        private SignalingServer signaling;
        private TurnServer relay;
        private OpsHttpServer http;

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
            RelayConfig relayConfig = RelayConfig.from(config);
            TurnConfig turn = TurnConfig.from(config);
            IceUrls urls = AdvertisedTurnUrls.of(turn, relayConfig, config.getString("dialtone.turn.public-host"));
            SignalingConfig signalingConfig = SignalingConfig.from(config);
            HttpConfig httpConfig = HttpConfig.from(config);

            http = new OpsHttpServer(httpConfig, this, signalingConfig.port(),
                    OpsHttpServer.devTokens(signalingConfig.auth().jwtSecret(), signalingConfig.auth().userClaim()));
            http.start();
            if (relayConfig.enabled()) {
                relay = new TurnServer(relayConfig, turn);
                relay.start();
                RelayMetrics.register(registry, relay.counters());
            } else {
                log.info("built-in relay disabled; clients use {}", turn.urls());
            }
            if (urls.perClient()) {
                log.warn("neither dialtone.turn.public-host nor dialtone.relay.external-ip is set: iceServers name"
                        + " the host each client reached this server by; set dialtone.turn.public-host to the name"
                        + " clients reach the relay by (or dialtone.relay.external-ip behind a 1:1 NAT), and list"
                        + " reverse proxies in dialtone.http.trusted-proxies");
            }
            ReachedHost reachedHost = new ReachedHost(httpConfig::trustedProxy,
                    relay != null ? relay.advertisedAddress() : InetAddress.getLoopbackAddress());
            signaling = new SignalingServer(signalingConfig, turn, urls, reachedHost, registry);
            signaling.start();
            ready.set(true);
            log.info("Dialtone started; iceServers advertise {}", urls);
        }

        @Override
        public boolean ready() {
            return ready.get();
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
