package dev.dialtone.signaling.call;

import static dev.dialtone.signaling.protocol.ErrorCode.BUSY;
import static dev.dialtone.signaling.protocol.ErrorCode.NOT_IN_CALL;
import static dev.dialtone.signaling.protocol.ErrorCode.USER_OFFLINE;

import dev.dialtone.signaling.protocol.CallEnded;
import dev.dialtone.signaling.protocol.CallRejected;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.ErrorMessage;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IncomingCall;
import dev.dialtone.signaling.protocol.RelayedCandidate;
import dev.dialtone.signaling.protocol.SignalingException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is connected and who is in which call, for a single node: the one place that owns presence
 * and call sessions in memory. Every operation takes the lock, decides, updates the indexes, and hands the
 * resulting events to the {@link Outbox} after the lock is released, so sockets never run under it.
 *
 * <p>Invariants: a user is in at most one call; every live call is in {@code calls} and under
 * both its users in {@code callByUser}; ending a call removes all three entries and its timer; a
 * user with no socket has no entry in {@code socketsByUser}.
 *
 * <p>With {@link PushHooks} on, a call to a user with no socket is a <em>waking</em> call: it rings
 * every device of the callee that connects within the push wait, and the app's backend hears of it
 * through {@link CallEvent}s: the {@link CallEventSink} takes them in decision order under the
 * lock, and keeps them before the decision's events go out, once the lock is released.
 */
public final class Switchboard implements CallSessions {

    private static final Logger log = LoggerFactory.getLogger(Switchboard.class);
    /** End reason of a waking call whose callee the app's backend cannot wake. */
    public static final String OFFLINE = "offline";

    private final ReentrantLock lock = new ReentrantLock();
    /** Written under the lock, read without it: every inbound packet asks who its socket is. */
    private final Map<UUID, String> userBySocket = new ConcurrentHashMap<>();
    private final Map<String, Set<UUID>> socketsByUser = new HashMap<>();
    private final Map<String, Call> calls = new HashMap<>();
    private final Map<String, Call> callByUser = new HashMap<>();
    private final Map<UUID, SocketDetails> detailsBySocket = new HashMap<>();

    private final Outbox outbox;
    private final Timers timers;
    private final Duration ringTimeout;
    private final int maxSocketsPerUser;
    private final Function<String, List<IceServer>> iceServersFor;
    private final CallListener listener;
    private final LongSupplier nanoTime;
    private final PushHooks push;
    /** Call events of the decision under way; handed to the sink before the lock is released. */
    private final List<CallEvent> events = new ArrayList<>();

    public Switchboard(Outbox outbox, Timers timers, Duration ringTimeout, int maxSocketsPerUser,
                       Function<String, List<IceServer>> iceServersFor, CallListener listener,
                       LongSupplier nanoTime) {
        this(outbox, timers, ringTimeout, maxSocketsPerUser, iceServersFor, listener, nanoTime, PushHooks.OFF);
    }

    public Switchboard(Outbox outbox, Timers timers, Duration ringTimeout, int maxSocketsPerUser,
                       Function<String, List<IceServer>> iceServersFor, CallListener listener,
                       LongSupplier nanoTime, PushHooks push) {
        this.push = push;
        this.outbox = outbox;
        this.timers = timers;
        this.ringTimeout = ringTimeout;
        this.maxSocketsPerUser = maxSocketsPerUser;
        this.iceServersFor = iceServersFor;
        this.listener = listener;
        this.nanoTime = nanoTime;
    }

    /** Registers an authenticated socket; false when the user already holds too many. */
    @Override
    public boolean connect(UUID socket, String userId, SocketDetails details) {
        lock.lock();
        try {
            Set<UUID> sockets = socketsByUser.computeIfAbsent(userId, u -> new LinkedHashSet<>());
            if (sockets.size() >= maxSocketsPerUser) {
                return false;
            }
            sockets.add(socket);
            userBySocket.put(socket, userId);
            detailsBySocket.put(socket, details);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The user an authenticated socket belongs to, or null. */
    @Override
    public String userOf(UUID socket) {
        return userBySocket.get(socket);
    }

    /** Forgets a socket; the other party of its call learns of it when it was the last socket there. */
    @Override
    public void disconnect(UUID socket) {
        act(out -> {
            String userId = userBySocket.remove(socket);
            if (userId == null) {
                return;
            }
            detailsBySocket.remove(socket);
            Set<UUID> sockets = socketsByUser.get(userId);
            sockets.remove(socket);
            if (sockets.isEmpty()) {
                socketsByUser.remove(userId);
            }
            Call call = callByUser.get(userId);
            if (call == null) {
                return;
            }
            if (call.isCaller(socket)) {
                end(call, CallEnded.DISCONNECTED, call.callerId);
                sendAll(out, call.calleeSockets(), Events.CALL_ENDED,
                        new CallEnded(call.callerId, CallEnded.DISCONNECTED));
            } else if (call.isCalleeSocket(socket)) {
                call.ringing.remove(socket);
                // a waking call goes on waiting: the phone that dropped may come back, another may wake
                if (call.state == Call.State.CONNECTED || (call.ringing.isEmpty() && !call.waking)) {
                    end(call, CallEnded.DISCONNECTED, call.calleeId);
                    out.add(new Delivery(call.callerSocket, Events.CALL_ENDED,
                            new CallEnded(call.calleeId, CallEnded.DISCONNECTED)));
                }
            }
        });
    }

    /**
     * Rings every socket of {@code calleeId}. Busy callee: the caller gets {@code callRejected busy}
     * and the request fails with BUSY. A callee with no socket: USER_OFFLINE, or with push on, a
     * waking call announced by {@link CallEvent.Incoming} that waits for the callee's devices.
     *
     * @return the new call
     */
    @Override
    public PlacedCall placeCall(UUID socket, String calleeId, CallType type, Object offer) {
        return decide(out -> {
            String callerId = authenticated(socket);
            if (callerId.equals(calleeId)) {
                throw new SignalingException(ErrorCode.INVALID_PAYLOAD, "You cannot call yourself");
            }
            if (callByUser.containsKey(callerId)) {
                throw new SignalingException(BUSY, "You are already in a call");
            }
            Set<UUID> calleeSockets = socketsByUser.get(calleeId);
            boolean waking = calleeSockets == null;
            if (waking && !push.wakes()) {
                throw new SignalingException(USER_OFFLINE, "User is offline");
            }
            if (callByUser.containsKey(calleeId)) {
                out.add(new Delivery(socket, Events.CALL_REJECTED, new CallRejected(calleeId, CallRejected.BUSY)));
                listener.ended(CallRejected.BUSY);
                CallLog.busy(callerId, calleeId);
                throw SignalingException.answeredByEvent(BUSY, "User is busy");
            }
            Call call = new Call(UUID.randomUUID().toString(), callerId, socket, calleeId, type, nanoTime.getAsLong(),
                    push.clock().instant(), waking, offer);
            calls.put(call.id, call);
            callByUser.put(callerId, call);
            callByUser.put(calleeId, call);
            if (waking) {
                call.ringTimer = timers.schedule(push.wakeWait(), () -> ringTimeout(call.id));
                events.add(new CallEvent.Incoming(call.id, callerId, calleeId, type, call.placedAt.plus(push.wakeWait())));
                CallLog.waking(call.id, callerId, calleeId, type, push.wakeWait());
                return new PlacedCall(call.id, true);
            }
            call.ringing.addAll(calleeSockets);
            call.ringTimer = timers.schedule(ringTimeout, () -> ringTimeout(call.id));
            sendAll(out, call.ringing, Events.INCOMING_CALL, new IncomingCall(callerId, offer,
                    type.wireName(), call.id, iceServersFor.apply(calleeId)));
            CallLog.placed(call.id, callerId, calleeId, type, call.ringing.size());
            return new PlacedCall(call.id, false);
        });
    }

    /** The first callee socket to answer wins; the callee's other sockets stop ringing. */
    @Override
    public String answer(UUID socket, String callerId, Object answer) {
        return decide(out -> {
            Call call = ringingCallFrom(socket, callerId);
            call.ringTimer.cancel();
            call.ringing.remove(socket);
            sendAll(out, call.ringing, Events.CALL_ENDED, new CallEnded(callerId, CallEnded.ANSWERED_ELSEWHERE));
            call.ringing.clear();
            call.state = Call.State.CONNECTED;
            call.calleeSocket = socket;
            call.connectedAtNanos = nanoTime.getAsLong();
            call.answeredAt = push.clock().instant();
            if (call.waking) {
                events.add(new CallEvent.Cancelled(call.id, callerId, call.calleeId, "answered"));
            }
            out.add(new Delivery(call.callerSocket, Events.CALL_ACCEPTED, answer));
            Duration setup = Duration.ofNanos(call.connectedAtNanos - call.placedAtNanos);
            listener.connected(setup);
            CallLog.answered(call.id, setup);
            return call.id;
        });
    }

    /** Declines a ringing call: the caller gets {@code callRejected declined}. */
    @Override
    public void reject(UUID socket, String callerId) {
        act(out -> {
            decline(ringingCallFrom(socket, callerId), socket, out);
        });
    }

    /** Hangs up (or cancels, or declines, by who asks and when). */
    @Override
    public void end(UUID socket, String peerId) {
        act(out -> {
            String userId = authenticated(socket);
            Call call = callWith(userId, peerId, socket);
            if (call.isCaller(socket)) {
                end(call, CallEnded.HANGUP, userId);
                sendAll(out, call.calleeSockets(), Events.CALL_ENDED, new CallEnded(userId, CallEnded.HANGUP));
            } else if (call.state == Call.State.RINGING) {
                decline(call, socket, out);
            } else {
                end(call, CallEnded.HANGUP, userId);
                out.add(new Delivery(call.callerSocket, Events.CALL_ENDED, new CallEnded(userId, CallEnded.HANGUP)));
            }
        });
    }

    /** Trickle ICE, only between the two parties of a live call. */
    @Override
    public void relayCandidate(UUID socket, String peerId, Object candidate) {
        act(out -> {
            String userId = authenticated(socket);
            Call call = callWith(userId, peerId, socket);
            Collection<UUID> targets = call.isCaller(socket) ? call.calleeSockets() : List.of(call.callerSocket);
            sendAll(out, targets, Events.ICE_CANDIDATE, new RelayedCandidate(userId, candidate));
        });
    }

    /**
     * Ends every live call, telling both parties {@code callEnded disconnected}: the server is
     * going away and their signaling with it.
     */
    @Override
    public void endAll() {
        act(out -> {
            for (Call call : List.copyOf(calls.values())) {
                end(call, CallEnded.DISCONNECTED, null);
                out.add(new Delivery(call.callerSocket, Events.CALL_ENDED,
                        new CallEnded(call.calleeId, CallEnded.DISCONNECTED)));
                sendAll(out, call.calleeSockets(), Events.CALL_ENDED,
                        new CallEnded(call.callerId, CallEnded.DISCONNECTED));
            }
        });
    }

    @Override
    public LiveCalls calls(int limit) {
        List<LiveCall> listed = new ArrayList<>(Math.min(limit, 1024));
        lock.lock();
        try {
            for (Call call : calls.values()) {
                if (listed.size() == limit) {
                    break;
                }
                listed.add(liveCall(call));
            }
            listed.sort(Comparator.comparing(LiveCall::since));
            return new LiveCalls(listed, calls.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean endByOperator(String callId) {
        return decide(out -> {
            Call call = calls.get(callId);
            if (call == null) {
                return false;
            }
            List<UUID> callee = call.calleeSockets();
            end(call, CallEnded.ENDED_BY_OPERATOR, null);
            out.add(new Delivery(call.callerSocket, Events.CALL_ENDED,
                    new CallEnded(call.calleeId, CallEnded.ENDED_BY_OPERATOR)));
            sendAll(out, callee, Events.CALL_ENDED, new CallEnded(call.callerId, CallEnded.ENDED_BY_OPERATOR));
            return true;
        });
    }

    @Override
    public UserSessions user(String userId) {
        lock.lock();
        try {
            List<ConnectedSocket> sockets = new ArrayList<>();
            for (UUID socket : socketsByUser.getOrDefault(userId, Set.of())) {
                sockets.add(new ConnectedSocket(socket, null, detailsBySocket.get(socket)));
            }
            Call call = callByUser.get(userId);
            return new UserSessions(userId, sockets, Optional.ofNullable(call).map(Switchboard::liveCall));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int disconnectUser(String userId) {
        return decide(out -> {
            Set<UUID> sockets = socketsByUser.getOrDefault(userId, Set.of());
            sockets.forEach(socket -> out.add(Delivery.disconnect(socket)));
            return sockets.size();
        });
    }

    /** Whether each user has at least one connected socket. */
    @Override
    public Map<String, Boolean> online(List<String> userIds) {
        Map<String, Boolean> online = new LinkedHashMap<>();
        lock.lock();
        try {
            for (String id : userIds) {
                online.put(id, socketsByUser.containsKey(id));
            }
        } finally {
            lock.unlock();
        }
        return online;
    }

    /** Live calls and connected sockets, for metrics and for tests that check nothing is left over. */
    @Override
    public Stats stats() {
        lock.lock();
        try {
            int ringing = 0;
            for (Call call : calls.values()) {
                ringing += call.state == Call.State.RINGING ? 1 : 0;
            }
            return new Stats(userBySocket.size(), socketsByUser.size(), calls.size(), ringing, callByUser.size());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rings a socket that connected while a waking call waits for its user: called once the
     * socket has had its {@code iceServers}, so {@code incomingCall} comes right after them.
     */
    @Override
    public void ringIfWaking(UUID socket) {
        act(out -> {
            String userId = userBySocket.get(socket);
            Call call = userId == null ? null : callByUser.get(userId);
            if (call == null || !call.waking || call.state != Call.State.RINGING || !call.calleeId.equals(userId)
                    || !call.ringing.add(socket)) {
                return;
            }
            out.add(new Delivery(socket, Events.INCOMING_CALL, new IncomingCall(call.callerId, call.wakingOffer,
                    call.type.wireName(), call.id, iceServersFor.apply(userId))));
            log.debug("call {} ringing on a woken device of {}", call.id, userId);
        });
    }

    /**
     * The app's backend knows no device to wake for a waking call's callee (it answered the
     * announcement 404 or 410): unless a device has connected meanwhile, the call ends and the
     * caller gets the {@code error} a call to an offline user gets.
     */
    @Override
    public void calleeUnreachable(String callId) {
        act(out -> {
            Call call = calls.get(callId);
            if (call == null || call.state != Call.State.RINGING || !call.ringing.isEmpty()) {
                return;
            }
            end(call, OFFLINE, null);
            out.add(new Delivery(call.callerSocket, Events.ERROR, new ErrorMessage("User is offline", USER_OFFLINE)));
        });
    }

    private void ringTimeout(String callId) {
        act(out -> {
            Call call = calls.get(callId);
            if (call == null || call.state != Call.State.RINGING) {
                return;
            }
            end(call, CallEnded.NO_ANSWER, null);
            out.add(new Delivery(call.callerSocket, Events.CALL_ENDED, new CallEnded(call.calleeId, CallEnded.NO_ANSWER)));
            sendAll(out, call.ringing, Events.CALL_ENDED, new CallEnded(call.callerId, CallEnded.NO_ANSWER));
        });
    }

    /** One decision: taken under the lock, its events sent once the lock is released. */
    private <T> T decide(Function<List<Delivery>, T> decision) {
        List<Delivery> out = new ArrayList<>(4);
        CallEventSink.Receipt kept = CallEventSink.Receipt.DONE;
        lock.lock();
        try {
            return decision.apply(out);
        } finally {
            if (!events.isEmpty()) {
                kept = push.sink().publish(List.copyOf(events));
                events.clear();
            }
            lock.unlock();
            kept.await();
            outbox.send(out);
        }
    }

    private void act(Consumer<List<Delivery>> decision) {
        decide(out -> {
            decision.accept(out);
            return null;
        });
    }

    private void decline(Call call, UUID socket, List<Delivery> out) {
        end(call, CallRejected.DECLINED, call.calleeId);
        call.ringing.remove(socket);
        out.add(new Delivery(call.callerSocket, Events.CALL_REJECTED, new CallRejected(call.calleeId, CallRejected.DECLINED)));
        sendAll(out, call.ringing, Events.CALL_ENDED, new CallEnded(call.callerId, CallEnded.ANSWERED_ELSEWHERE));
    }

    private Call ringingCallFrom(UUID socket, String callerId) {
        String calleeId = authenticated(socket);
        Call call = callByUser.get(calleeId);
        if (call == null || call.state != Call.State.RINGING || !call.calleeId.equals(calleeId)
                || !call.callerId.equals(callerId) || !call.ringing.contains(socket)) {
            throw notInCall(callerId);
        }
        return call;
    }

    /** The live call between {@code userId} and {@code peerId} in which {@code socket} takes part. */
    private Call callWith(String userId, String peerId, UUID socket) {
        Call call = callByUser.get(userId);
        if (call == null || !call.peerOf(userId).equals(peerId)
                || !(call.isCaller(socket) || call.isCalleeSocket(socket))) {
            throw notInCall(peerId);
        }
        return call;
    }

    private static LiveCall liveCall(Call call) {
        String state = call.state == Call.State.RINGING ? "ringing" : "connected";
        return new LiveCall(call.id, call.callerId, call.calleeId, call.type.wireName(), state, call.placedAt, null);
    }

    /** @param endedBy the user whose act or disconnect ended the call; null when the server ended it */
    private void end(Call call, String reason, String endedBy) {
        calls.remove(call.id);
        callByUser.remove(call.callerId);
        callByUser.remove(call.calleeId);
        call.ringTimer.cancel();
        listener.ended(reason);
        long now = nanoTime.getAsLong();
        boolean answered = call.state == Call.State.CONNECTED;
        CallLog.ended(call.id, call.callerId, call.calleeId, reason,
                Duration.ofNanos((answered ? call.connectedAtNanos : now) - call.placedAtNanos),
                answered ? Optional.of(Duration.ofNanos(now - call.connectedAtNanos)) : Optional.empty());
        if (call.waking && call.state == Call.State.RINGING && !reason.equals(OFFLINE)) {
            events.add(new CallEvent.Cancelled(call.id, call.callerId, call.calleeId, reason));
        }
        events.add(new CallEvent.Ended(call.id, call.callerId, call.calleeId, call.type, call.placedAt,
                call.answeredAt, push.clock().instant(), reason, endedBy));
    }

    private String authenticated(UUID socket) {
        String userId = userBySocket.get(socket);
        if (userId == null) {
            throw new SignalingException(ErrorCode.UNAUTHORIZED, "Not authenticated");
        }
        return userId;
    }

    private static SignalingException notInCall(String peerId) {
        return new SignalingException(NOT_IN_CALL, "No call with " + peerId);
    }

    private static void sendAll(List<Delivery> out, Collection<UUID> sockets, String event, Object payload) {
        for (UUID s : sockets) {
            out.add(new Delivery(s, event, payload));
        }
    }
}
