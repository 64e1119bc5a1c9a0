package dev.dialtone.signaling.protocol;

import java.util.List;

/** One {@code RTCIceServer}, ready for {@code new RTCPeerConnection({iceServers})}. */
public record IceServer(List<String> urls, String username, String credential) {
}
