package dev.dialtone.signaling.call;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * One call between a calling socket and a callee. Mutable, and owned by the {@link Switchboard}:
 * only touched under its lock. An ended call is dropped from every index, so there is no
 * "ended" state to keep.
 */
final class Call {

    enum State { RINGING, CONNECTED }

    final String id;
    final String callerId;
    final UUID callerSocket;
    final String calleeId;
    final CallType type;
    final long placedAtNanos;
    /** The wall-clock time it was placed, for operators and webhooks; durations use {@link #placedAtNanos}. */
    final Instant placedAt;
    /**
     * Placed while the callee had no socket: announced to the app's backend, it rings the
     * callee's devices as they wake and connect (dialtone.push).
     */
    final boolean waking;
    /** The caller's offer for the devices still to connect; kept only while waking. */
    final Object wakingOffer;
    /** Callee sockets that got incomingCall and have not answered, rejected or gone. */
    final Set<UUID> ringing = new LinkedHashSet<>();
    State state = State.RINGING;
    /** The callee socket that answered; null while ringing. */
    UUID calleeSocket;
    /** When the callee answered ({@code System.nanoTime} scale); meaningless while ringing. */
    long connectedAtNanos;
    /** When the callee answered, wall clock, for the call.ended webhook; null while ringing. */
    Instant answeredAt;
    Timers.Cancellable ringTimer;

    Call(String id, String callerId, UUID callerSocket, String calleeId, CallType type, long placedAtNanos,
         Instant placedAt, boolean waking, Object offer) {
        this.id = id;
        this.callerId = callerId;
        this.callerSocket = callerSocket;
        this.calleeId = calleeId;
        this.type = type;
        this.placedAtNanos = placedAtNanos;
        this.placedAt = placedAt;
        this.waking = waking;
        this.wakingOffer = waking ? offer : null;
    }

    boolean isCaller(UUID socket) {
        return callerSocket.equals(socket);
    }

    /** A callee socket that is still part of the call: ringing, or the one that answered. */
    boolean isCalleeSocket(UUID socket) {
        return state == State.RINGING ? ringing.contains(socket) : socket.equals(calleeSocket);
    }

    /** The user on the other side of {@code userId}. */
    String peerOf(String userId) {
        return userId.equals(callerId) ? calleeId : callerId;
    }

    /** The callee sockets a message from the caller goes to, in the order they rang. */
    List<UUID> calleeSockets() {
        return state == State.RINGING ? List.copyOf(ringing) : List.of(calleeSocket);
    }
}
