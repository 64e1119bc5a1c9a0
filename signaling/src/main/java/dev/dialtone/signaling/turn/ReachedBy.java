package dev.dialtone.signaling.turn;

/**
 * How a client reached the server: the host it named, as a URL host, and whether it came through
 * the edge port (which serves TURN on that one port too) rather than the signaling port.
 */
public record ReachedBy(String host, boolean edge) {
}
