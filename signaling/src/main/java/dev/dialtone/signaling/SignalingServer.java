package dev.dialtone.signaling;

import com.corundumstudio.socketio.AckMode;
import com.corundumstudio.socketio.AuthTokenResult;
import com.corundumstudio.socketio.AuthorizationResult;
import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.HandshakeData;
import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.SocketIONamespace;
import com.corundumstudio.socketio.SocketIOServer;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.namespace.Namespace;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.signaling.auth.TokenVerifier;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.call.Delivery;
import dev.dialtone.signaling.call.Switchboard;
import dev.dialtone.signaling.call.Timers;
import dev.dialtone.signaling.cluster.RedisCallSessions;
import dev.dialtone.signaling.limit.CallRateLimiter;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.Requests;
import dev.dialtone.signaling.transport.EngineIo;
import dev.dialtone.signaling.transport.TransportErrorLog;
import dev.dialtone.signaling.transport.VerbatimJsonSupport;
import dev.dialtone.signaling.turn.IceServerMint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
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
    /** Where the handshake of an Engine.IO v3 client leaves its user id (the session's store). */
    private static final String EIO3_USER = "dialtone.user";

    private final SignalingConfig config;
    private final SocketIOServer server;
    private final CallSessions sessions;
    private final TokenVerifier tokens;
    private final IceServerMint mint;
    private final ScheduledThreadPoolExecutor timers;
    private final EngineIo engineIo;
    /** Sockets authenticated whose CONNECT acknowledgement has not gone out yet. */
    private final Set<UUID> awaitingWelcome = ConcurrentHashMap.newKeySet();

    private final SignalingMetrics metrics;

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
        Configuration socketIo = socketIoConfiguration(config);
        socketIo.setAuthorizationListener(this::authorizeHandshake);
        this.server = new SocketIOServer(socketIo);
        this.metrics = new SignalingMetrics(registry);
        this.sessions = config.cluster().enabled()
                ? new RedisCallSessions(config.cluster(), this::deliver, this::schedule, config.ringTimeout(),
                        config.limits().maxSocketsPerUser(), mint::serversFor, metrics)
                : new Switchboard(this::deliver, this::schedule, config.ringTimeout(),
                        config.limits().maxSocketsPerUser(), mint::serversFor, metrics, System::nanoTime);
        metrics.observe(registry, () -> server.getAllClients().size(), sessions::stats);

        CallRateLimiter callRate = new CallRateLimiter(config.limits().callsPerMinute(), System::nanoTime);
        timers.scheduleWithFixedDelay(callRate::purgeIdle, 1, 1, TimeUnit.MINUTES);

        this.engineIo = new EngineIo(socketIo, config.allowEio3(), timers, s -> sessions.userOf(s),
                this::welcomeIfAdmitted);
        engineIo.install(server);
        SocketIONamespace namespace = server.getNamespace(Namespace.DEFAULT_NAME);
        namespace.addAuthTokenListener(this::authenticate);
        namespace.addConnectListener(this::admitEio3);
        namespace.addDisconnectListener(client -> {
            engineIo.forget(client.getSessionId());
            awaitingWelcome.remove(client.getSessionId());
            sessions.disconnect(client.getSessionId());
        });
        new ClientEvents(sessions, new Requests(config.limits()), callRate, mint, metrics, engineIo)
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

    /**
     * Engine.IO v3 clients (Socket.IO v2) have no CONNECT packet with auth data: they are
     * authenticated here, at the handshake, by the token in their query string, and refused with
     * HTTP 401 without one. Version 4 clients pass; they authenticate with their CONNECT.
     */
    private AuthorizationResult authorizeHandshake(HandshakeData handshake) {
        if (!"3".equals(handshake.getSingleUrlParam("EIO"))) {
            return AuthorizationResult.SUCCESSFUL_AUTHORIZATION;
        }
        String token = handshake.getSingleUrlParam("token");
        Optional<String> user = tokens.userOf(token);
        if (user.isEmpty()) {
            metrics.authFailed();
            log.info("auth refused: {} token from {} (Engine.IO v3 handshake)", token == null ? "missing" : "invalid",
                    handshake.getAddress());
            return AuthorizationResult.FAILED_AUTHORIZATION;
        }
        return new AuthorizationResult(true, Map.of(EIO3_USER, user.get()));
    }

    /**
     * netty-socketio connects an Engine.IO v3 client to the default namespace on its first
     * request, without the auth listener: the user its handshake proved is registered here.
     */
    private void admitEio3(SocketIOClient client) {
        if (!"3".equals(client.getHandshakeData().getSingleUrlParam("EIO"))) {
            return;
        }
        UUID socket = client.getSessionId();
        // never null: the handshake of an Engine.IO v3 client stores the user or is refused
        String user = client.get(EIO3_USER);
        if (!sessions.connect(socket, user)) {
            log.info("auth refused: user={} already has {} sockets", user, config.limits().maxSocketsPerUser());
            engineIo.send(client, Events.ERROR, Map.of("message", "Too many connections for this user"));
            client.disconnect();
            return;
        }
        log.debug("connected user={} socket={} transport={} (Engine.IO v3)", user, socket, client.getTransport());
        engineIo.send(client, Events.ICE_SERVERS, mint.forUser(user));
    }

    /** Runs after the packets carrying a CONNECT were handled: the acknowledgement is out, greet. */
    private void welcomeIfAdmitted(UUID socket) {
        if (!awaitingWelcome.remove(socket)) {
            return;
        }
        String user = sessions.userOf(socket);
        SocketIOClient client = server.getClient(socket);
        if (user != null && client != null) {
            engineIo.send(client, Events.ICE_SERVERS, mint.forUser(user));
        }
    }

    private void deliver(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            SocketIOClient client = server.getClient(d.socket());
            if (client != null) {
                engineIo.send(client, d.event(), d.payload());
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
