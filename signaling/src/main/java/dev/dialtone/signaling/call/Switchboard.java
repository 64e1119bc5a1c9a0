package dev.dialtone.signaling.call;

import static dev.dialtone.signaling.protocol.ErrorCode.BUSY;
import static dev.dialtone.signaling.protocol.ErrorCode.NOT_IN_CALL;
import static dev.dialtone.signaling.protocol.ErrorCode.USER_OFFLINE;

import dev.dialtone.signaling.protocol.CallEnded;
import dev.dialtone.signaling.protocol.CallRejected;
import dev.dialtone.signaling.protocol.ErrorCode;
import dev.dialtone.signaling.protocol.Events;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IncomingCall;
import dev.dialtone.signaling.protocol.RelayedCandidate;
import dev.dialtone.signaling.protocol.SignalingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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

/**
 * Who is connected and who is in which call, for a single node: the one place that owns presence
 * and call sessions in memory. Every operation takes the lock, decides, updates the indexes, and hands the
 * resulting events to the {@link Outbox} after the lock is released, so sockets never run under it.
 *
 * <p>Invariants: a user is in at most one call; every live call is in {@code calls} and under
 * both its users in {@code callByUser}; ending a call removes all three entries and its timer; a
 * user with no socket has no entry in {@code socketsByUser}.
 */
public final class Switchboard implements CallSessions {

    private final ReentrantLock lock = new ReentrantLock();
    /** Written under the lock, read without it: every inbound packet asks who its socket is. */
    private final Map<UUID, String> userBySocket = new ConcurrentHashMap<>();
    private final Map<String, Set<UUID>> socketsByUser = new HashMap<>();
    private final Map<String, Call> calls = new HashMap<>();
    private final Map<String, Call> callByUser = new HashMap<>();

    private final Outbox outbox;
    private final Timers timers;
    private final Duration ringTimeout;
    private final int maxSocketsPerUser;
    private final Function<String, List<IceServer>> iceServersFor;
    private final CallListener listener;
    private final LongSupplier nanoTime;

    public Switchboard(Outbox outbox, Timers timers, Duration ringTimeout, int maxSocketsPerUser,
                       Function<String, List<IceServer>> iceServersFor, CallListener listener,
                       LongSupplier nanoTime) {
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
    public boolean connect(UUID socket, String userId) {
        lock.lock();
        try {
            Set<UUID> sockets = socketsByUser.computeIfAbsent(userId, u -> new LinkedHashSet<>());
            if (sockets.size() >= maxSocketsPerUser) {
                return false;
            }
            sockets.add(socket);
            userBySocket.put(socket, userId);
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
                end(call, CallEnded.DISCONNECTED);
                sendAll(out, call.calleeSockets(), Events.CALL_ENDED,
                        new CallEnded(call.callerId, CallEnded.DISCONNECTED));
            } else if (call.isCalleeSocket(socket)) {
                call.ringing.remove(socket);
                if (call.state == Call.State.CONNECTED || call.ringing.isEmpty()) {
                    end(call, CallEnded.DISCONNECTED);
                    out.add(new Delivery(call.callerSocket, Events.CALL_ENDED,
                            new CallEnded(call.calleeId, CallEnded.DISCONNECTED)));
                }
            }
        });
    }

    /**
     * Rings every socket of {@code calleeId}. Busy callee: the caller gets {@code callRejected busy}
     * and the request fails with BUSY.
     *
     * @return the new call's id
     */
    @Override
    public String placeCall(UUID socket, String calleeId, CallType type, Object offer) {
        return decide(out -> {
            String callerId = authenticated(socket);
            if (callerId.equals(calleeId)) {
                throw new SignalingException(ErrorCode.INVALID_PAYLOAD, "You cannot call yourself");
            }
            if (callByUser.containsKey(callerId)) {
                throw new SignalingException(BUSY, "You are already in a call");
            }
            Set<UUID> calleeSockets = socketsByUser.get(calleeId);
            if (calleeSockets == null) {
                throw new SignalingException(USER_OFFLINE, "User is offline");
            }
            if (callByUser.containsKey(calleeId)) {
                out.add(new Delivery(socket, Events.CALL_REJECTED, new CallRejected(calleeId, CallRejected.BUSY)));
                listener.ended(CallRejected.BUSY);
                CallLog.busy(callerId, calleeId);
                throw SignalingException.answeredByEvent(BUSY, "User is busy");
            }
            Call call = new Call(UUID.randomUUID().toString(), callerId, socket, calleeId, type, nanoTime.getAsLong());
            call.ringing.addAll(calleeSockets);
            calls.put(call.id, call);
            callByUser.put(callerId, call);
            callByUser.put(calleeId, call);
            call.ringTimer = timers.schedule(ringTimeout, () -> ringTimeout(call.id));
            sendAll(out, call.ringing, Events.INCOMING_CALL, new IncomingCall(callerId, offer,
                    type.wireName(), call.id, iceServersFor.apply(calleeId)));
            CallLog.placed(call.id, callerId, calleeId, type, call.ringing.size());
            return call.id;
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
                end(call, CallEnded.HANGUP);
                sendAll(out, call.calleeSockets(), Events.CALL_ENDED, new CallEnded(userId, CallEnded.HANGUP));
            } else if (call.state == Call.State.RINGING) {
                decline(call, socket, out);
            } else {
                end(call, CallEnded.HANGUP);
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
                end(call, CallEnded.DISCONNECTED);
                out.add(new Delivery(call.callerSocket, Events.CALL_ENDED,
                        new CallEnded(call.calleeId, CallEnded.DISCONNECTED)));
                sendAll(out, call.calleeSockets(), Events.CALL_ENDED,
                        new CallEnded(call.callerId, CallEnded.DISCONNECTED));
            }
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

    private void ringTimeout(String callId) {
        act(out -> {
            Call call = calls.get(callId);
            if (call == null || call.state != Call.State.RINGING) {
                return;
            }
            end(call, CallEnded.NO_ANSWER);
            out.add(new Delivery(call.callerSocket, Events.CALL_ENDED, new CallEnded(call.calleeId, CallEnded.NO_ANSWER)));
            sendAll(out, call.ringing, Events.CALL_ENDED, new CallEnded(call.callerId, CallEnded.NO_ANSWER));
        });
    }

    /** One decision: taken under the lock, its events sent once the lock is released. */
    private <T> T decide(Function<List<Delivery>, T> decision) {
        List<Delivery> out = new ArrayList<>(4);
        lock.lock();
        try {
            return decision.apply(out);
        } finally {
            lock.unlock();
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
        end(call, CallRejected.DECLINED);
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

    private void end(Call call, String reason) {
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
