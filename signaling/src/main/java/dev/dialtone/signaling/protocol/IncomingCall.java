package dev.dialtone.signaling.protocol;

import java.util.List;

/** {@code incomingCall}, server → every socket of the callee. */
public record IncomingCall(String from, Object signalData, String callType, String callId,
                           List<IceServer> iceServers) {
}
