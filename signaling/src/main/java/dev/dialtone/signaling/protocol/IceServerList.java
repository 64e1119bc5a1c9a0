package dev.dialtone.signaling.protocol;

import java.util.List;

/** The {@code iceServers} event: servers with fresh credentials and their lifetime in seconds. */
public record IceServerList(List<IceServer> iceServers, long ttl) {
}
