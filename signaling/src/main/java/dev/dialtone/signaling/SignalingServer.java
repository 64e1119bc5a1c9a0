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
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.namespace.Namespace;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.signaling.auth.TokenVerifier;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.call.Delivery;
import dev.dialtone.signaling.call.PushHooks;
import dev.dialtone.signaling.call.SocketDetails;
import dev.dialtone.signaling.call.Switchboard;
import dev.dialtone.signaling.call.Timers;
import dev.dialtone.signaling.cluster.RedisCallSessions;
import dev.dialtone.signaling.limit.CallRateLimiter;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.Requests;
import dev.dialtone.signaling.push.CallWebhooks;
import dev.dialtone.signaling.transport.EngineIo;
import dev.dialtone.signaling.transport.TransportErrorLog;
import dev.dialtone.signaling.transport.VerbatimJsonSupport;
import dev.dialtone.signaling.turn.IceServerMint;
import dev.dialtone.signaling.turn.IceUrls;
import dev.dialtone.signaling.turn.IncomingCallUrls;
import dev.dialtone.signaling.turn.ReachedBy;
import dev.dialtone.signaling.turn.ReachedHost;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
    private final ReachedHost reachedHost;
    private final IncomingCallUrls incomingCallUrls;
    private final ScheduledThreadPoolExecutor timers;
    private final EngineIo engineIo;
    /** Sockets authenticated whose CONNECT acknowledgement has not gone out yet. */
    private final Set<UUID> awaitingWelcome = ConcurrentHashMap.newKeySet();
    /** Where the sessions' work runs: inline in memory, off the event loop on Redis. */
    private final SessionWork work;
    /** On Redis: the decisions on CONNECTs made off the event loop, for the auth listener to give. */
    private final Map<UUID, AuthTokenResult> admissions = new ConcurrentHashMap<>();

    private final SignalingMetrics metrics;
    private volatile boolean started;
    /** Webhooks to the app's backend; null when dialtone.push is off. */
    private final CallWebhooks webhooks;

    /**
     * @param urls        what {@code iceServers} name: fixed, or per client from {@code reachedHost}
     * @param reachedHost the host each client reached the server by
     */
    public SignalingServer(SignalingConfig config, TurnConfig turn, IceUrls urls, ReachedHost reachedHost,
                           PrometheusRegistry registry) {
        this.config = config;
        this.tokens = new TokenVerifier(config.auth());
        this.mint = new IceServerMint(turn, urls, Clock.systemUTC());
        this.reachedHost = reachedHost;
        this.incomingCallUrls = new IncomingCallUrls(urls);
        // the sessions mint an incomingCall's iceServers once for all the callee's sockets;
        // deliver() puts in each socket's own URLs
        Function<String, List<IceServer>> iceServersFor = user -> mint.serversFor(user, reachedHost.fallback());
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
        this.webhooks = config.push().enabled() ? new CallWebhooks(config.push(), registry, Clock.systemUTC()) : null;
        PushHooks push = webhooks == null ? PushHooks.OFF
                : new PushHooks(config.push().waitForWake(), webhooks, Clock.systemUTC());
        this.work = config.cluster().enabled() ? SessionWork.ordered() : SessionWork.inline();
        if (config.cluster().enabled()) {
            this.sessions = new RedisCallSessions(config.cluster(), this::deliver, this::schedule, config.ringTimeout(),
                    config.limits().maxSocketsPerUser(), iceServersFor, metrics, push);
        } else {
            this.sessions = new Switchboard(this::deliver, this::schedule, config.ringTimeout(),
                    config.limits().maxSocketsPerUser(), iceServersFor, metrics, System::nanoTime, push);
        }
        if (webhooks != null) {
            webhooks.start(sessions::calleeUnreachable);
        }
        metrics.observe(registry, () -> server.getAllClients().size(), sessions::stats);

        CallRateLimiter callRate = new CallRateLimiter(config.limits().callsPerMinute(), System::nanoTime);
        timers.scheduleWithFixedDelay(callRate::purgeIdle, 1, 1, TimeUnit.MINUTES);

        DeferredAdmission admission = !work.isOrdered() ? null
                : new DeferredAdmission(s -> sessions.userOf(s) != null, work, new DeferredAdmission.Admission() {
                    @Override
                    public void decide(ClientHead client, Object authData) {
                        AuthTokenResult decision;
                        try {
                            decision = admit(client.getSessionId(), authData, client.getHandshakeData(),
                                    client.getCurrentTransport(), client.getRemoteAddress());
                        } catch (RuntimeException e) {
                            log.warn("auth refused: socket {} could not be registered in Redis ({})",
                                    client.getSessionId(), e.toString());
                            decision = new AuthTokenResult(false, Map.of("message", "Server unavailable"));
                        }
                        admissions.put(client.getSessionId(), decision);
                    }

                    @Override
                    public void abandon(UUID socket) {
                        forget(socket);
                    }
                });
        // on Redis a socket is registered before its CONNECT reaches the gate (DeferredAdmission): it
        // is welcomed once that CONNECT went through
        this.engineIo = new EngineIo(socketIo, config.allowEio3(), timers, s -> sessions.userOf(s),
                s -> sessions.userOf(s) != null && !awaitingWelcome.contains(s), this::welcomeIfAdmitted,
                metrics::upgraded);
        engineIo.install(server, admission);
        SocketIONamespace namespace = server.getNamespace(Namespace.DEFAULT_NAME);
        namespace.addAuthTokenListener(this::authenticate);
        namespace.addConnectListener(this::admitEio3);
        namespace.addDisconnectListener(client -> {
            String user = sessions.userOf(client.getSessionId());
            if (user != null) {
                log.info("disconnected user={} socket={} transport={} from {}", user, client.getSessionId(),
                        client.getTransport(), client.getRemoteAddress());
            }
            engineIo.forget(client.getSessionId());
            work.submitAlways(client.getSessionId(), () -> forget(client.getSessionId()));
        });
        new ClientEvents(sessions, new Requests(config.limits()), callRate,
                (socket, user) -> mint.forUser(user, hostOf(server.getClient(socket))), metrics, engineIo, work)
                .register(namespace);
    }

    /** Forgets a socket that went away; on Redis, after the work it handed over before. */
    private void forget(UUID socket) {
        admissions.remove(socket);
        awaitingWelcome.remove(socket);
        sessions.disconnect(socket);
    }

    /** Binds the port; throws when it cannot. */
    public void start() {
        started = true;
        server.start();
        log.info("signaling listening on {}:{} (websocket, polling)", config.host(), config.port());
    }

    public CallSessions sessions() {
        return sessions;
    }

    /**
     * Serves a connection another listener accepted (the edge port's) as if this port had: same
     * event loops, same pipeline, behind {@code first}, which gets its bytes first. See
     * {@link EngineIo#adopt}.
     */
    public Channel adopt(SocketChannel socket, List<ChannelHandler> first) {
        return engineIo.adopt(socket, first);
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
        if (started) {
            // netty-socketio's stop() fails on a server that never started (no event loops yet)
            server.stop();
        }
        work.close();
        sessions.close();
        timers.shutdownNow();
        if (webhooks != null) {
            webhooks.close();
        }
    }

    private AuthTokenResult authenticate(Object authData, SocketIOClient client) {
        UUID socket = client.getSessionId();
        AuthTokenResult decided = admissions.remove(socket);
        if (decided != null) {
            return decided;
        }
        if (work.isOrdered() && sessions.userOf(socket) == null) {
            // on Redis, DeferredAdmission decides every first CONNECT; this is a second one in the same packets
            log.info("auth refused: socket {} sent another CONNECT before its first was answered", socket);
            return new AuthTokenResult(false, AUTH_ERROR);
        }
        return admit(socket, authData, client.getHandshakeData(), client.getTransport(), client.getRemoteAddress());
    }

    /** Decides on a CONNECT: its token (or the query string's), then room for the user's socket. */
    private AuthTokenResult admit(UUID socket, Object authData, HandshakeData handshake, Transport transport,
                                  SocketAddress remote) {
        if (sessions.userOf(socket) != null) {
            log.info("auth refused: socket {} is already authenticated", socket);
            return new AuthTokenResult(false, AUTH_ERROR);
        }
        Object token = authData instanceof Map<?, ?> auth ? auth.get("token") : null;
        if (token == null) {
            token = handshake.getSingleUrlParam("token");
        }
        Optional<String> user = tokens.userOf(token);
        if (user.isEmpty()) {
            metrics.authFailed();
            log.info("auth refused: {} token from {}", token == null ? "missing" : "invalid", remote);
            return new AuthTokenResult(false, AUTH_ERROR);
        }
        SocketDetails details = detailsOf(transport, remote);
        if (!sessions.connect(socket, user.get(), details)) {
            log.info("auth refused: user={} already has {} sockets", user.get(), config.limits().maxSocketsPerUser());
            return new AuthTokenResult(false, Map.of("message", "Too many connections for this user"));
        }
        metrics.connected(details.transport());
        awaitingWelcome.add(socket);
        log.info("connected user={} socket={} transport={} from {}", user.get(), socket, transport, remote);
        return AuthTokenResult.AuthTokenResultSuccess;
    }

    private static SocketDetails detailsOf(Transport transport, SocketAddress remote) {
        String name = transport == Transport.WEBSOCKET ? "websocket" : "polling";
        String address = String.valueOf(remote);
        if (remote instanceof InetSocketAddress a && a.getAddress() != null) {
            String ip = a.getAddress().getHostAddress();
            address = (a.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + a.getPort();
        }
        return new SocketDetails(name, address, Instant.now());
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
        work.submitAlways(socket, () -> {
            SocketDetails details = detailsOf(client.getTransport(), client.getRemoteAddress());
            if (!sessions.connect(socket, user, details)) {
                log.info("auth refused: user={} already has {} sockets", user, config.limits().maxSocketsPerUser());
                engineIo.send(client, Events.ERROR, Map.of("message", "Too many connections for this user"));
                client.disconnect();
                return;
            }
            metrics.connected(details.transport());
            log.info("connected user={} socket={} transport={} from {} (Engine.IO v3)", user, socket,
                    client.getTransport(), client.getRemoteAddress());
            engineIo.send(client, Events.ICE_SERVERS, mint.forUser(user, hostOf(client)));
        });
    }

    /** Runs after the packets carrying a CONNECT were handled: the acknowledgement is out, greet. */
    private void welcomeIfAdmitted(UUID socket) {
        if (!awaitingWelcome.remove(socket)) {
            return;
        }
        String user = sessions.userOf(socket);
        SocketIOClient client = server.getClient(socket);
        if (user != null && client != null) {
            engineIo.send(client, Events.ICE_SERVERS, mint.forUser(user, hostOf(client)));
            sessions.ringIfWaking(socket);
        }
    }

    /** How {@code client} reached the server; the relay's own address for a client gone meanwhile. */
    private ReachedBy hostOf(SocketIOClient client) {
        return client == null ? reachedHost.fallback() : reachedHost.of(client.getHandshakeData());
    }

    private void deliver(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            SocketIOClient client = server.getClient(d.socket());
            if (client != null && d.isDisconnect()) {
                // on the timer thread: the disconnect listener it runs may wait for Redis
                timers.execute(client::disconnect);
            } else if (client != null) {
                Object payload = Events.INCOMING_CALL.equals(d.event())
                        ? incomingCallUrls.forClient(d.payload(), () -> hostOf(client))
                        : d.payload();
                engineIo.send(client, d.event(), payload);
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
        c.setWorkerThreads(config.eventLoops());
        return c;
    }
}
