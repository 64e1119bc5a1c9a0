package dev.dialtone.signaling;

import com.corundumstudio.socketio.AckRequest;
import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.SocketIONamespace;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.call.PlacedCall;
import dev.dialtone.signaling.limit.CallRateLimiter;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.ErrorMessage;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.IceServerList;
import dev.dialtone.signaling.protocol.Requests;
import dev.dialtone.signaling.protocol.SignalingException;
import dev.dialtone.signaling.transport.EngineIo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the client → server events to the sessions: find the socket's user, check the
 * payload, act, and answer exactly once (the ack if asked for, else an {@code error} event on
 * failure). An event from a socket that never authenticated is answered UNAUTHORIZED and the
 * socket is dropped ({@link EngineIo#on}: netty-socketio dispatches events even for refused CONNECTs).
 *
 * <p>Each event's work runs through {@link SessionWork}: at once in memory, off the event loop and
 * in order per socket on Redis, where the ack goes out when Redis has answered.
 */
final class ClientEvents {

    private static final Logger log = LoggerFactory.getLogger(ClientEvents.class);

    /** What one event does for an authenticated user; returns the extra members of a successful ack. */
    @FunctionalInterface
    private interface Handler {
        Map<String, Object> handle(UUID socket, String userId, Object payload);
    }

    private final CallSessions sessions;
    private final Requests requests;
    private final CallRateLimiter callRate;
    private final BiFunction<UUID, String, IceServerList> iceServers;
    private final SignalingMetrics metrics;
    private final EngineIo engineIo;
    private final SessionWork work;

    /** @param iceServers fresh iceServers for (a socket, its user) */
    ClientEvents(CallSessions sessions, Requests requests, CallRateLimiter callRate,
                 BiFunction<UUID, String, IceServerList> iceServers,
                 SignalingMetrics metrics, EngineIo engineIo, SessionWork work) {
        this.engineIo = engineIo;
        this.work = work;
        this.sessions = sessions;
        this.requests = requests;
        this.callRate = callRate;
        this.iceServers = iceServers;
        this.metrics = metrics;
    }

    void register(SocketIONamespace namespace) {
        on(namespace, Events.CALL_USER, this::callUser);
        on(namespace, Events.ANSWER_CALL, (socket, user, payload) -> {
            Requests.AnswerCall req = requests.answerCall(payload);
            return Map.of("callId", sessions.answer(socket, req.to(), req.signalData()));
        });
        on(namespace, Events.REJECT_CALL, (socket, user, payload) -> {
            sessions.reject(socket, requests.toPeer(payload).to());
            return Map.of();
        });
        on(namespace, Events.END_CALL, (socket, user, payload) -> {
            sessions.end(socket, requests.toPeer(payload).to());
            return Map.of();
        });
        on(namespace, Events.ICE_CANDIDATE, (socket, user, payload) -> {
            Requests.Candidate req = requests.candidate(payload);
            sessions.relayCandidate(socket, req.to(), req.candidate());
            return Map.of();
        });
        on(namespace, Events.GET_ICE_SERVERS, (socket, user, payload) -> {
            IceServerList list = iceServers.apply(socket, user);
            return Map.of("iceServers", list.iceServers(), "ttl", list.ttl());
        });
        on(namespace, Events.CHECK_ONLINE, (socket, user, payload) ->
                Map.of("online", sessions.online(requests.checkOnline(payload).userIds())));
    }

    private Map<String, Object> callUser(UUID socket, String userId, Object payload) {
        Requests.CallUser req = requests.callUser(payload);
        if (!callRate.tryAcquire(userId)) {
            throw new SignalingException(ErrorCode.RATE_LIMITED, "Too many calls; try again later");
        }
        PlacedCall call = sessions.placeCall(socket, req.to(), req.callType(), req.signalData());
        return call.waking() ? Map.of("callId", call.callId(), "waking", true) : Map.of("callId", call.callId());
    }

    private void on(SocketIONamespace namespace, String event, Handler handler) {
        engineIo.on(namespace, event,
                (client, userId, payload, ack) -> dispatch(event, client, userId, payload, ack, handler),
                (client, ack) -> fail(client, ack, new SignalingException(ErrorCode.UNAUTHORIZED, "Not authenticated")));
    }

    private void dispatch(String event, SocketIOClient client, String userId, Object payload, AckRequest ack,
                          Handler handler) {
        UUID socket = client.getSessionId();
        if (!work.submit(socket, () -> handle(event, client, userId, payload, ack, handler))) {
            log.debug("{} from socket {} refused: {} earlier requests still wait for Redis", event, socket,
                    SessionWork.MAX_WAITING);
            fail(client, ack, new SignalingException(ErrorCode.RATE_LIMITED, "Too many requests waiting; slow down"));
        }
    }

    private void handle(String event, SocketIOClient client, String userId, Object payload, AckRequest ack,
                        Handler handler) {
        UUID socket = client.getSessionId();
        try {
            Map<String, Object> result = handler.handle(socket, userId, payload);
            if (ack.isAckRequested()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("ok", true);
                body.putAll(result);
                engineIo.ack(client, ack, body);
            }
        } catch (SignalingException e) {
            log.debug("{} from user={} refused: {} {}", event, userId, e.code(), e.getMessage());
            fail(client, ack, e);
        } catch (RuntimeException e) {
            log.error("{} from user={} failed", event, userId, e);
            fail(client, ack, new SignalingException(ErrorCode.INTERNAL_ERROR, "Internal server error"));
        }
    }

    private void fail(SocketIOClient client, AckRequest ack, SignalingException e) {
        metrics.refused(e.code());
        ErrorMessage error = ErrorMessage.of(e);
        if (ack.isAckRequested()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ok", false);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("code", error.code());
            detail.put("message", error.message());
            body.put("error", detail);
            engineIo.ack(client, ack, body);
        } else if (!e.answeredByEvent()) {
            engineIo.send(client, Events.ERROR, error);
        }
    }
}
