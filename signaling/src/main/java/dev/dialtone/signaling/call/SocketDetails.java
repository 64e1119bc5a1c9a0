package dev.dialtone.signaling.call;

import java.time.Instant;

/**
 * What an operator is shown of one socket, taken when it authenticated.
 *
 * @param transport     {@code websocket} or {@code polling}, the one it connected with
 * @param remoteAddress {@code ip:port} it connected from, as the signaling port saw it
 * @param connectedAt   when it authenticated
 */
public record SocketDetails(String transport, String remoteAddress, Instant connectedAt) {
}
