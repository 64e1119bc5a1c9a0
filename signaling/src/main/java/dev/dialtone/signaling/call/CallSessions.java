package dev.dialtone.signaling.call;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Presence and call sessions: what each event of docs/signaling-protocol.md does to them, and
 * which sockets hear of it. {@link Switchboard} keeps them in this node's memory;
 * {@code cluster.RedisCallSessions} keeps them in Redis, shared by every node.
 *
 * <p>Requests that cannot be served throw {@code SignalingException} with the protocol's code.
 */
public interface CallSessions extends AutoCloseable {

    /** Registers an authenticated socket; false when the user already holds too many. */
    boolean connect(UUID socket, String userId, SocketDetails details);

    /** The user an authenticated socket of this node belongs to, or null. */
    String userOf(UUID socket);

    /** Forgets a socket; the other party of its call learns of it when it was the last socket there. */
    void disconnect(UUID socket);

    /** Rings every socket of {@code calleeId}, or with push on wakes them; returns the new call. */
    PlacedCall placeCall(UUID socket, String calleeId, CallType type, Object offer);

    /**
     * Rings a socket that just connected if a waking call waits for its user (dialtone.push);
     * called after the socket got {@code iceServers}. Nothing by default.
     */
    default void ringIfWaking(UUID socket) {
    }

    /**
     * The app's backend knows no device to wake for waking call {@code callId}'s callee (it answered
     * the announcement 404 or 410): unless a device rings meanwhile, the call ends and the caller gets
     * the {@code error} a call to an offline user gets. Nothing by default.
     */
    default void calleeUnreachable(String callId) {
    }

    /** The first callee socket to answer wins; returns the call's id. */
    String answer(UUID socket, String callerId, Object answer);

    /** Declines a ringing call. */
    void reject(UUID socket, String callerId);

    /** Hangs up (or cancels, or declines, by who asks and when). */
    void end(UUID socket, String peerId);

    /** Trickle ICE, only between the two parties of a live call. */
    void relayCandidate(UUID socket, String peerId, Object candidate);

    /** The server is going away: ends the calls of its sockets, telling the parties. */
    void endAll();

    /** Whether each user has at least one connected socket. */
    Map<String, Boolean> online(List<String> userIds);

    /** Live calls, at most {@code limit} of them, oldest first, and how many there are in all. */
    LiveCalls calls(int limit);

    /**
     * Ends call {@code callId} because an operator asked: both parties get {@code callEnded}
     * {@code ended-by-operator}, a ringing callee on every ringing socket. False when there is no such call.
     */
    boolean endByOperator(String callId);

    /** The user's sockets on every node and the call they are in. */
    UserSessions user(String userId);

    /**
     * Has the nodes holding the user's sockets close them, as if the clients had disconnected
     * (the other party of a call gets {@code callEnded disconnected}); returns how many were asked to close.
     */
    int disconnectUser(String userId);

    /** Sizes for metrics and for tests that check nothing is left over. */
    Stats stats();

    /** Lets go of what is held outside this process (Redis connections); nothing by default. */
    @Override
    default void close() {
    }

    /** Sizes of the live state. */
    record Stats(int sockets, int users, int calls, int ringing, int usersInCalls) {
    }
}
