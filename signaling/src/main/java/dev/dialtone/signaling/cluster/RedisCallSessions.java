package dev.dialtone.signaling.cluster;

import static dev.dialtone.signaling.protocol.ErrorCode.BUSY;
import static dev.dialtone.signaling.protocol.ErrorCode.NOT_IN_CALL;
import static dev.dialtone.signaling.protocol.ErrorCode.USER_OFFLINE;

import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dialtone.common.StartupException;
import dev.dialtone.signaling.call.CallEvent;
import dev.dialtone.signaling.call.CallListener;
import dev.dialtone.signaling.call.CallLog;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.call.CallType;
import dev.dialtone.signaling.call.ConnectedSocket;
import dev.dialtone.signaling.call.Delivery;
import dev.dialtone.signaling.call.LiveCall;
import dev.dialtone.signaling.call.LiveCalls;
import dev.dialtone.signaling.call.Outbox;
import dev.dialtone.signaling.call.PlacedCall;
import dev.dialtone.signaling.call.PushHooks;
import dev.dialtone.signaling.call.SocketDetails;
import dev.dialtone.signaling.call.Switchboard;
import dev.dialtone.signaling.call.Timers;
import dev.dialtone.signaling.call.UserSessions;
import dev.dialtone.signaling.cluster.CallSessionScript.Addressed;
import dev.dialtone.signaling.cluster.CallSessionScript.EndedCall;
import dev.dialtone.signaling.cluster.CallSessionScript.Outcome;
import dev.dialtone.signaling.protocol.CallEnded;
import dev.dialtone.signaling.protocol.CallRejected;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.ErrorMessage;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IncomingCall;
import dev.dialtone.signaling.protocol.RelayedCandidate;
import dev.dialtone.signaling.protocol.SignalingException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence and call sessions shared by every node through Redis: each transition is one run of
 * call-sessions.lua (same rules as the one-node {@code Switchboard}), and the events it decides
 * go to the nodes holding their sockets through {@link NodeMail}.
 *
 * <p>This node's liveness: a heartbeat refreshes its key's TTL every
 * {@code heartbeat-interval}; at the same pace it clears every node whose key ran out, so a
 * killed node's users go offline and their calls end within {@link ClusterConfig#cleanupBound()}.
 *
 * <p>With {@link PushHooks} on, a call to a user with no socket on any node is a waking call: kept
 * in Redis with the caller's offer, it rings each device of the callee that connects to any node
 * within the push wait. The node that runs a transition reports its {@link CallEvent}s to its own
 * sink (webhook outbox) and waits until they are kept before anyone hears of the transition.
 */
public final class RedisCallSessions implements CallSessions {

    private static final Logger log = LoggerFactory.getLogger(RedisCallSessions.class);

    private final ClusterConfig config;
    /** This node's id in Redis keys, channels and logs; a new one at every start. */
    private final String node = UUID.randomUUID().toString();
    /** This node's authenticated sockets; every inbound packet asks who its socket is. */
    private final Map<UUID, String> userBySocket = new ConcurrentHashMap<>();
    /** What this node's sockets were registered with, to register them again after a lapse. */
    private final Map<UUID, String> detailsBySocket = new ConcurrentHashMap<>();
    private final SocketDetailsJson detailsJson = new SocketDetailsJson();
    private final RedissonClient redis;
    private final CallSessionScript script;
    private final NodeMail mail;
    private final Timers timers;
    private final Duration ringTimeout;
    private final int maxSocketsPerUser;
    private final Function<String, List<IceServer>> iceServersFor;
    private final CallListener listener;
    private final PushHooks push;
    /** Offers of waking calls kept verbatim, null members included, as {@link NodeMail} relays payloads. */
    private final ObjectMapper offers = new ObjectMapper().setSerializationInclusion(Include.ALWAYS);
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-heartbeat");
        t.setDaemon(true);
        return t;
    });

    public RedisCallSessions(ClusterConfig config, Outbox outbox, Timers timers, Duration ringTimeout,
                             int maxSocketsPerUser, Function<String, List<IceServer>> iceServersFor,
                             CallListener listener) {
        this(config, outbox, timers, ringTimeout, maxSocketsPerUser, iceServersFor, listener, PushHooks.OFF);
    }

    public RedisCallSessions(ClusterConfig config, Outbox outbox, Timers timers, Duration ringTimeout,
                             int maxSocketsPerUser, Function<String, List<IceServer>> iceServersFor,
                             CallListener listener, PushHooks push) {
        this.push = push;
        this.config = config;
        this.timers = timers;
        this.ringTimeout = ringTimeout;
        this.maxSocketsPerUser = maxSocketsPerUser;
        this.iceServersFor = iceServersFor;
        this.listener = listener;
        try {
            this.redis = Redisson.create(redissonConfig(config));
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new StartupException("dialtone.cluster.redis-url: cannot use Redis at " + config.redisAddress() + " ("
                    + root.getMessage() + "); start it or correct the URL (env DIALTONE_REDIS_URL)");
        }
        try {
            this.script = new CallSessionScript(redis, config.keyPrefix());
            this.mail = new NodeMail(redis, config.keyPrefix(), node, outbox);
            mail.open();
            beat();
        } catch (RuntimeException e) {
            redis.shutdown();
            throw e;
        }
        long every = config.heartbeatInterval().toMillis();
        heartbeat.scheduleWithFixedDelay(this::beatAndSweep, every, every, TimeUnit.MILLISECONDS);
        log.info("cluster node {} on {}: a dead node's sockets are cleared within {} ms",
                node, config.redisAddress(), config.cleanupBound().toMillis());
    }

    @Override
    public boolean connect(UUID socket, String userId, SocketDetails details) {
        String json = detailsJson.write(details);
        if (!script.run("connect", userId, socket, node, maxSocketsPerUser, json).ok()) {
            return false;
        }
        userBySocket.put(socket, userId);
        detailsBySocket.put(socket, json);
        return true;
    }

    @Override
    public String userOf(UUID socket) {
        return userBySocket.get(socket);
    }

    @Override
    public void disconnect(UUID socket) {
        String userId = userBySocket.remove(socket);
        if (userId == null) {
            return;
        }
        detailsBySocket.remove(socket);
        try {
            send(script.run("disconnect", node, socket, userId), null);
        } catch (RuntimeException e) {
            log.warn("socket {} of user={} not cleared in Redis ({}); it goes with this node's heartbeat",
                    socket, userId, e.toString());
        }
    }

    @Override
    public PlacedCall placeCall(UUID socket, String calleeId, CallType type, Object offer) {
        String callerId = authenticated(socket);
        if (callerId.equals(calleeId)) {
            throw new SignalingException(ErrorCode.INVALID_PAYLOAD, "You cannot call yourself");
        }
        String callId = UUID.randomUUID().toString();
        long now = push.clock().millis();
        Outcome outcome = script.run("place", callerId, socket, node, calleeId, callId, type.wireName(), now,
                push.wakes() ? now + push.wakeWait().toMillis() : "", push.wakes() ? offerJson(offer) : "");
        switch (outcome.status()) {
            case "ok" -> { }
            case "BUSY" -> throw new SignalingException(BUSY, "You are already in a call");
            case "USER_OFFLINE" -> throw new SignalingException(USER_OFFLINE, "User is offline");
            case "CALLEE_BUSY" -> {
                mail.send(node, List.of(new Delivery(socket, Events.CALL_REJECTED,
                        new CallRejected(calleeId, CallRejected.BUSY))));
                outcome.ended().forEach(listener::ended);
                CallLog.busy(callerId, calleeId);
                throw SignalingException.answeredByEvent(BUSY, "User is busy");
            }
            default -> throw unexpected(outcome);
        }
        if ("waking".equals(outcome.extra())) {
            timers.schedule(push.wakeWait(), () -> send(script.run("ring-timeout", callId), null));
            Instant expiresAt = Instant.ofEpochMilli(now).plus(push.wakeWait());
            send(outcome, null, List.of(new CallEvent.Incoming(callId, callerId, calleeId, type, expiresAt)));
            CallLog.waking(callId, callerId, calleeId, type, push.wakeWait());
            return new PlacedCall(callId, true);
        }
        // Never cancelled: once the call is answered or ended (on any node) the script does nothing,
        // and at most ring-timeout's worth of these wait at a time.
        timers.schedule(ringTimeout, () -> send(script.run("ring-timeout", callId), null));
        send(outcome, new IncomingCall(callerId, offer, type.wireName(), callId, iceServersFor.apply(calleeId)));
        CallLog.placed(callId, callerId, calleeId, type, outcome.sends().size());
        return new PlacedCall(callId, false);
    }

    /** Rings a socket that just connected (and had its iceServers) if a waking call waits for its user. */
    @Override
    public void ringIfWaking(UUID socket) {
        String userId = userBySocket.get(socket);
        if (!push.wakes() || userId == null) {
            return;
        }
        Outcome outcome;
        try {
            outcome = script.run("ring-if-waking", userId, socket, node);
        } catch (RuntimeException e) {
            // the device stays connected; it rings with the next call, this one ends at its wait
            log.warn("socket {} of user={}: no waking call looked up ({})", socket, userId, e.toString());
            return;
        }
        if (!outcome.ok()) {
            return;
        }
        List<?> call = (List<?>) outcome.extra();
        send(outcome, new IncomingCall((String) call.get(0), offer((String) call.get(1)), (String) call.get(2),
                outcome.value(), iceServersFor.apply(userId)));
        log.debug("call {} ringing on a woken device of {}", outcome.value(), userId);
    }

    @Override
    public void calleeUnreachable(String callId) {
        send(script.run("callee-unreachable", callId), null);
    }

    @Override
    public String answer(UUID socket, String callerId, Object answer) {
        String calleeId = authenticated(socket);
        long now = push.clock().millis();
        Outcome outcome = inCall(script.run("answer", calleeId, socket, callerId, now), callerId);
        List<?> call = (List<?>) outcome.extra();
        send(outcome, answer, "1".equals(call.get(1))
                ? List.of(new CallEvent.Cancelled(outcome.value(), callerId, calleeId, "answered")) : List.of());
        long placedAt = Long.parseLong((String) call.get(0));
        Duration setup = Duration.ofMillis(Math.max(0, now - placedAt));
        listener.connected(setup);
        CallLog.answered(outcome.value(), setup);
        return outcome.value();
    }

    @Override
    public void reject(UUID socket, String callerId) {
        send(inCall(script.run("reject", authenticated(socket), socket, callerId), callerId), null);
    }

    @Override
    public void end(UUID socket, String peerId) {
        send(inCall(script.run("end", authenticated(socket), socket, peerId), peerId), null);
    }

    @Override
    public void relayCandidate(UUID socket, String peerId, Object candidate) {
        String userId = authenticated(socket);
        send(inCall(script.run("candidate", userId, socket, peerId), peerId), new RelayedCandidate(userId, candidate));
    }

    /**
     * This node is leaving: its heartbeat stops and its sockets are cleared from Redis at once, so
     * the other parties of their calls get {@code callEnded disconnected} now, not at the TTL.
     */
    @Override
    public void endAll() {
        stopHeartbeat();
        Outcome outcome = script.run("leave", node);
        send(outcome, null);
        log.info("cluster node {} left: {} socket(s) cleared", node, outcome.value());
    }

    @Override
    public Map<String, Boolean> online(List<String> userIds) {
        @SuppressWarnings("unchecked")
        List<String> flags = (List<String>) script.run("online", userIds.toArray()).extra();
        Map<String, Boolean> online = new LinkedHashMap<>();
        for (int i = 0; i < userIds.size(); i++) {
            online.put(userIds.get(i), "1".equals(flags.get(i)));
        }
        return online;
    }

    @Override
    public LiveCalls calls(int limit) {
        Outcome outcome = script.run("calls", limit);
        List<LiveCall> calls = liveCalls((List<?>) outcome.extra());
        calls.sort(Comparator.comparing(LiveCall::since));
        return new LiveCalls(calls, Integer.parseInt(outcome.value()));
    }

    @Override
    public boolean endByOperator(String callId) {
        Outcome outcome = script.run("end-by-operator", callId);
        if ("NOT_FOUND".equals(outcome.status())) {
            return false;
        }
        if (!outcome.ok()) {
            throw unexpected(outcome);
        }
        send(outcome, null);
        return true;
    }

    @Override
    public UserSessions user(String userId) {
        List<?> found = (List<?>) script.run("user", userId).extra();
        return new UserSessions(userId, sockets(found), liveCalls((List<?>) found.get(2)).stream().findFirst());
    }

    @Override
    public int disconnectUser(String userId) {
        List<ConnectedSocket> sockets = sockets((List<?>) script.run("user", userId).extra());
        Map<String, List<Delivery>> byNode = new LinkedHashMap<>();
        for (ConnectedSocket socket : sockets) {
            byNode.computeIfAbsent(socket.node(), n -> new ArrayList<>()).add(Delivery.disconnect(socket.id()));
        }
        byNode.forEach(mail::send);
        return sockets.size();
    }

    /** The sockets in what call-sessions.lua's {@code user} found: socket → node, socket → details. */
    private List<ConnectedSocket> sockets(List<?> found) {
        List<?> flatSockets = (List<?>) found.get(0);
        List<?> flatInfo = (List<?>) found.get(1);
        Map<String, String> info = new HashMap<>();
        for (int i = 0; i < flatInfo.size(); i += 2) {
            info.put((String) flatInfo.get(i), (String) flatInfo.get(i + 1));
        }
        List<ConnectedSocket> sockets = new ArrayList<>();
        for (int i = 0; i < flatSockets.size(); i += 2) {
            String socket = (String) flatSockets.get(i);
            sockets.add(new ConnectedSocket(UUID.fromString(socket), (String) flatSockets.get(i + 1),
                    detailsJson.read(info.get(socket))));
        }
        return sockets;
    }

    /** Sockets and users of this node; calls of the whole cluster. */
    @Override
    public Stats stats() {
        Outcome outcome = script.run("stats");
        int calls = Integer.parseInt(outcome.value());
        return new Stats(userBySocket.size(), new HashSet<>(userBySocket.values()).size(), calls,
                Integer.parseInt((String) outcome.extra()), 2 * calls);
    }

    @Override
    public void close() {
        stopHeartbeat();
        mail.close();
        redis.shutdown();
    }

    /** Lets a beat under way finish: one started after leaving would register the sockets again. */
    private void stopHeartbeat() {
        heartbeat.shutdown();
        try {
            if (!heartbeat.awaitTermination(config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS)) {
                heartbeat.shutdownNow();
            }
        } catch (InterruptedException e) {
            heartbeat.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void beatAndSweep() {
        try {
            beat();
            Outcome swept = script.run("sweep");
            send(swept, null);
            if (!"0".equals(swept.value())) {
                log.info("cleared {} socket(s) of nodes whose heartbeat ran out; {} call(s) ended",
                        swept.value(), swept.ended().size());
            }
        } catch (RuntimeException e) {
            log.warn("cluster heartbeat failed: {}", e.toString());
        }
    }

    /**
     * Refreshes this node's TTL. When it had run out (a pause longer than the TTL, Redis
     * unreachable), peers may have cleared this node's sockets: they are registered again, though
     * calls that were ended stay ended.
     */
    private void beat() {
        Outcome outcome = script.run("heartbeat", node, config.nodeTtl().toMillis());
        if ("lapsed".equals(outcome.status()) && !userBySocket.isEmpty()) {
            log.warn("cluster node {}: heartbeat had lapsed; registering its {} socket(s) again", node,
                    userBySocket.size());
            userBySocket.forEach((socket, user) -> script.run("connect", user, socket, node, Integer.MAX_VALUE,
                    detailsBySocket.getOrDefault(socket, "")));
        }
    }

    /** Sends what a transition decided; {@code payload} is the event built from the request, if any. */
    private void send(Outcome outcome, Object payload) {
        send(outcome, payload, List.of());
    }

    /**
     * Sends what a transition decided once its call events ({@code decided}, then those of the calls
     * it ended) are kept by the sink: the app's backend never misses a call someone heard of.
     */
    private void send(Outcome outcome, Object payload, List<CallEvent> decided) {
        outcome.ended().forEach(listener::ended);
        outcome.endedCalls().forEach(RedisCallSessions::log);
        List<CallEvent> events = new ArrayList<>(decided);
        outcome.endedCalls().forEach(call -> reportEnd(call, events));
        if (!events.isEmpty()) {
            push.sink().publish(events).await();
        }
        Map<String, List<Delivery>> byNode = new LinkedHashMap<>();
        for (Addressed a : outcome.sends()) {
            byNode.computeIfAbsent(a.node(), n -> new ArrayList<>())
                    .add(new Delivery(a.socket(), a.event(), payloadOf(a, payload)));
        }
        byNode.forEach(mail::send);
    }

    /** Durations from the nodes' clocks: placed and answered on the nodes of the parties, ended here. */
    private static void log(EndedCall call) {
        long now = System.currentTimeMillis();
        long answered = call.connectedAt() > 0 ? call.connectedAt() : now;
        CallLog.ended(call.callId(), call.callerId(), call.calleeId(), call.reason(),
                Duration.ofMillis(Math.max(0, answered - call.placedAt())),
                call.connectedAt() > 0 ? Optional.of(Duration.ofMillis(Math.max(0, now - call.connectedAt())))
                        : Optional.empty());
    }

    /** What the app's backend hears of a call's end: the cancel of a waking call never answered, and history. */
    private void reportEnd(EndedCall call, List<CallEvent> into) {
        if (call.waking() && call.connectedAt() == 0 && !Switchboard.OFFLINE.equals(call.reason())) {
            into.add(new CallEvent.Cancelled(call.callId(), call.callerId(), call.calleeId(), call.reason()));
        }
        into.add(new CallEvent.Ended(call.callId(), call.callerId(), call.calleeId(),
                CallType.fromWire(call.type()).orElse(CallType.VOICE), Instant.ofEpochMilli(call.placedAt()),
                call.connectedAt() > 0 ? Instant.ofEpochMilli(call.connectedAt()) : null, push.clock().instant(),
                call.reason(), call.endedBy()));
    }

    private String offerJson(Object offer) {
        try {
            return offers.writeValueAsString(offer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("offer not serializable", e);
        }
    }

    private Object offer(String json) {
        try {
            return offers.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("waking call's offer unreadable in Redis", e);
        }
    }

    private static Object payloadOf(Addressed a, Object payload) {
        return switch (a.event()) {
            // only a waking call whose callee the app's backend cannot wake ends with an error
            case Events.ERROR -> new ErrorMessage("User is offline", USER_OFFLINE);
            case Events.CALL_ENDED -> new CallEnded(a.from(), a.reason());
            case Events.CALL_REJECTED -> new CallRejected(a.from(), a.reason());
            default -> payload;
        };
    }

    /** Calls as call-sessions.lua describes them, seven fields each. */
    private static List<LiveCall> liveCalls(List<?> flat) {
        List<LiveCall> calls = new ArrayList<>(flat.size() / 7);
        for (int i = 0; i + 6 < flat.size(); i += 7) {
            calls.add(new LiveCall((String) flat.get(i), (String) flat.get(i + 1), (String) flat.get(i + 2),
                    (String) flat.get(i + 3), (String) flat.get(i + 4),
                    Instant.ofEpochMilli(Long.parseLong((String) flat.get(i + 5))), (String) flat.get(i + 6)));
        }
        return calls;
    }

    private static Outcome inCall(Outcome outcome, String peerId) {
        if ("NOT_IN_CALL".equals(outcome.status())) {
            throw new SignalingException(NOT_IN_CALL, "No call with " + peerId);
        }
        if (!outcome.ok()) {
            throw unexpected(outcome);
        }
        return outcome;
    }

    private static IllegalStateException unexpected(Outcome outcome) {
        return new IllegalStateException("call-sessions.lua answered " + outcome.status());
    }

    private String authenticated(UUID socket) {
        String userId = userBySocket.get(socket);
        if (userId == null) {
            throw new SignalingException(ErrorCode.UNAUTHORIZED, "Not authenticated");
        }
        return userId;
    }

    private static Config redissonConfig(ClusterConfig cluster) {
        URI uri = URI.create(cluster.redisUrl());
        Config config = new Config();
        // Few threads and connections: signaling sends small scripts, and the machine is shared
        // with the relay.
        config.setThreads(2);
        config.setNettyThreads(4);
        config.setUseScriptCache(true);
        SingleServerConfig server = config.useSingleServer()
                .setAddress(cluster.redisAddress())
                .setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(16)
                .setSubscriptionConnectionMinimumIdleSize(1)
                .setSubscriptionConnectionPoolSize(4)
                .setClientName("dialtone");
        String userInfo = uri.getUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                server.setPassword(userInfo);
            } else {
                if (colon > 0) {
                    server.setUsername(userInfo.substring(0, colon));
                }
                server.setPassword(userInfo.substring(colon + 1));
            }
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            server.setDatabase(Integer.parseInt(path.substring(1)));
        }
        return config;
    }
}
