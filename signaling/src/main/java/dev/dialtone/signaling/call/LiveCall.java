package dev.dialtone.signaling.call;

import java.time.Instant;

/**
 * A call as an operator sees it.
 *
 * @param from  the caller's user id
 * @param to    the callee's user id
 * @param type  {@code voice} or {@code video}
 * @param state {@code ringing} or {@code connected}
 * @param since when it was placed
 * @param node  the cluster node holding the caller's socket; null on a single node
 */
public record LiveCall(String id, String from, String to, String type, String state, Instant since, String node) {
}
