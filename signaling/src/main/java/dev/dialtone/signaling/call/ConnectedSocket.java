package dev.dialtone.signaling.call;

import java.util.UUID;

/**
 * One authenticated socket of a user, on whichever node holds it.
 *
 * @param node    the cluster node holding it; null on a single node
 * @param details null when its node registered it without them (after a lapsed heartbeat)
 */
public record ConnectedSocket(UUID id, String node, SocketDetails details) {
}
