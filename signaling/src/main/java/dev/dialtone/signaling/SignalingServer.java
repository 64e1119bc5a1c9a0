package dev.dialtone.signaling;

import com.corundumstudio.socketio.AckMode;
import com.corundumstudio.socketio.AuthTokenResult;
import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.SocketIOChannelInitializer;
import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.SocketIONamespace;
import com.corundumstudio.socketio.SocketIOServer;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.namespace.Namespace;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.signaling.auth.ConnectGate;
import dev.dialtone.signaling.auth.TokenVerifier;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.call.Delivery;
import dev.dialtone.signaling.call.PushHooks;
import dev.dialtone.signaling.call.Switchboard;
import dev.dialtone.signaling.call.Timers;
import dev.dialtone.signaling.cluster.RedisCallSessions;
import dev.dialtone.signaling.limit.CallRateLimiter;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.Requests;
import dev.dialtone.signaling.push.CallWebhooks;
import dev.dialtone.signaling.transport.PollingFlush;
import dev.dialtone.signaling.transport.TransportErrorLog;
import dev.dialtone.signaling.transport.UpgradeUnblocker;
import dev.dialtone.signaling.transport.VerbatimJsonSupport;
import dev.dialtone.signaling.turn.IceServerMint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.netty.channel.ChannelPipeline;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Socket.IO call signaling service: netty-socketio, JWT handshake auth, and the call
 * protocol of docs/signaling-protocol.md on top of {@link CallSessions}: a {@link Switchboard} in
 * memory, or {@link RedisCallSessions} shared with other nodes when {@code dialtone.cluster.redis-url}
 * is set (docs/cluster.md).
 */
public final class SignalingServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SignalingServer.class);
    private static final Map<String, String> AUTH_ERROR = Map.of("message", "Authentication error");
    /**
     * Largest websocket frame or polling body; beyond it the transport closes. Far above the
     * field limits, so an oversized offer is answered PAYLOAD_TOO_LARGE; 1 MB as Socket.IO's own
     * server (maxHttpBufferSize).
     */
    private static final int MIN_TRANSPORT_BYTES = 1_000_000;

    private final SignalingConfig config;
    private final SocketIOServer server;
    private final CallSessions sessions;
    private final TokenVerifier tokens;
    private final IceServerMint mint;
    private final ScheduledThreadPoolExecutor timers;
    private final PollingFlush pollingFlush;
    /** Sockets authenticated whose CONNECT acknowledgement has not gone out yet. */
    private final Set<UUID> awaitingWelcome = ConcurrentHashMap.newKeySet();

    private final SignalingMetrics metrics;
    /** Webhooks to the app's backend; null when dialtone.push is off. */
    private final CallWebhooks webhooks;

    public SignalingServer(SignalingConfig config, TurnConfig turn, PrometheusRegistry registry) {
        this.config = config;
        this.tokens = new TokenVerifier(config.auth());
        this.mint = new IceServerMint(turn, Clock.systemUTC());
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "signaling-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        this.pollingFlush = new PollingFlush(timers);
        this.server = new SocketIOServer(socketIoConfiguration(config));
        this.metrics = new SignalingMetrics(registry);
        this.webhooks = config.push().enabled() ? new CallWebhooks(config.push(), registry, Clock.systemUTC()) : null;
        if (config.cluster().enabled()) {
            this.sessions = new RedisCallSessions(config.cluster(), this::deliver, this::schedule, config.ringTimeout(),
                    config.limits().maxSocketsPerUser(), mint::serversFor, metrics);
        } else {
            PushHooks push = webhooks == null ? PushHooks.OFF
                    : new PushHooks(config.push().waitForWake(), webhooks, Clock.systemUTC());
            Switchboard board = new Switchboard(this::deliver, this::schedule, config.ringTimeout(),
                    config.limits().maxSocketsPerUser(), mint::serversFor, metrics, System::nanoTime, push);
            if (webhooks != null) {
                webhooks.start(board::calleeUnreachable);
            }
            this.sessions = board;
        }
        metrics.observe(registry, () -> server.getAllClients().size(), sessions::stats);

        CallRateLimiter callRate = new CallRateLimiter(config.limits().callsPerMinute(), System::nanoTime);
        timers.scheduleWithFixedDelay(callRate::purgeIdle, 1, 1, TimeUnit.MINUTES);

        ConnectGate gate = new ConnectGate(s -> sessions.userOf(s) != null, this::welcomeIfAdmitted);
        UpgradeUnblocker upgrades = new UpgradeUnblocker();
        server.setPipelineFactory(new SocketIOChannelInitializer() {
            @Override
            protected void addSocketioHandlers(ChannelPipeline pipeline) {
                super.addSocketioHandlers(pipeline);
                pipeline.addBefore(PACKET_HANDLER, "dialtoneUpgradeUnblocker", upgrades);
                pipeline.addBefore(PACKET_HANDLER, "dialtonePollingFlush", pollingFlush);
                pipeline.addBefore(PACKET_HANDLER, "dialtoneConnectGate", gate);
            }
        });
        SocketIONamespace namespace = server.getNamespace(Namespace.DEFAULT_NAME);
        namespace.addAuthTokenListener(this::authenticate);
        namespace.addDisconnectListener(client -> {
            upgrades.forget(client.getSessionId());
            pollingFlush.forget(client.getSessionId());
            awaitingWelcome.remove(client.getSessionId());
            sessions.disconnect(client.getSessionId());
        });
        new ClientEvents(sessions, new Requests(config.limits()), callRate, mint, metrics, pollingFlush)
                .register(namespace);
    }

    /** Binds the port; throws when it cannot. */
    public void start() {
        server.start();
        log.info("signaling listening on {}:{} (websocket, polling)", config.host(), config.port());
    }

    public CallSessions sessions() {
        return sessions;
    }

    /**
     * Ends every live call (both parties get {@code callEnded disconnected}), gives the events
     * {@code flush} to reach the clients, then stops.
     */
    public void drain(Duration flush) {
        sessions.endAll();
        try {
            Thread.sleep(flush.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        server.stop();
        sessions.close();
        timers.shutdownNow();
        if (webhooks != null) {
            webhooks.close();
        }
    }

    private AuthTokenResult authenticate(Object authData, SocketIOClient client) {
        UUID socket = client.getSessionId();
        if (sessions.userOf(socket) != null) {
            log.info("auth refused: socket {} is already authenticated", socket);
            return new AuthTokenResult(false, AUTH_ERROR);
        }
        Object token = authData instanceof Map<?, ?> auth ? auth.get("token") : null;
        if (token == null) {
            token = client.getHandshakeData().getSingleUrlParam("token");
        }
        Optional<String> user = tokens.userOf(token);
        if (user.isEmpty()) {
            metrics.authFailed();
            log.info("auth refused: {} token from {}", token == null ? "missing" : "invalid",
                    client.getRemoteAddress());
            return new AuthTokenResult(false, AUTH_ERROR);
        }
        if (!sessions.connect(socket, user.get())) {
            log.info("auth refused: user={} already has {} sockets", user.get(), config.limits().maxSocketsPerUser());
            return new AuthTokenResult(false, Map.of("message", "Too many connections for this user"));
        }
        awaitingWelcome.add(socket);
        log.debug("connected user={} socket={} transport={}", user.get(), socket, client.getTransport());
        return AuthTokenResult.AuthTokenResultSuccess;
    }

    /** Runs after the packets carrying a CONNECT were handled: the acknowledgement is out, greet. */
    private void welcomeIfAdmitted(UUID socket) {
        if (!awaitingWelcome.remove(socket)) {
            return;
        }
        String user = sessions.userOf(socket);
        SocketIOClient client = server.getClient(socket);
        if (user != null && client != null) {
            client.sendEvent(Events.ICE_SERVERS, mint.forUser(user));
            pollingFlush.after(client);
            sessions.ringIfWaking(socket);
        }
    }

    private void deliver(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            SocketIOClient client = server.getClient(d.socket());
            if (client != null) {
                client.sendEvent(d.event(), d.payload());
                pollingFlush.after(client);
            }
        }
    }

    private Timers.Cancellable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> f = timers.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("timer task failed", e);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    private static Configuration socketIoConfiguration(SignalingConfig config) {
        Configuration c = new Configuration();
        c.setHostname(config.host());
        c.setPort(config.port());
        c.setTransports(Transport.WEBSOCKET, Transport.POLLING);
        // Acks are answered by the handlers, exactly once, with {ok, ...}.
        c.setAckMode(AckMode.MANUAL);
        // Never take a session id from a client's cookie or header.
        c.setRandomSession(true);
        c.setPingInterval((int) config.pingInterval().toMillis());
        c.setPingTimeout((int) config.pingTimeout().toMillis());
        int maxFrame = Math.max(MIN_TRANSPORT_BYTES, 4 * config.limits().maxSignalBytes());
        c.setMaxFramePayloadLength(maxFrame);
        c.setMaxHttpContentLength(maxFrame);
        // No permessage-deflate or gzip: offers and answers are small, and each compressed
        // connection holds ~400 KiB of zlib state that malloc keeps after it closes; measured in
        // bench/README.md (CPU per call 0.67 -> 0.22 ms, RSS per idle connection 93 -> 7 KiB).
        c.setWebsocketCompression(false);
        c.setHttpCompression(false);
        c.setJsonSupport(new VerbatimJsonSupport());
        c.setExceptionListener(new TransportErrorLog());
        c.getSocketConfig().setReuseAddress(true);
        c.getSocketConfig().setTcpNoDelay(true);
        return c;
    }
}
