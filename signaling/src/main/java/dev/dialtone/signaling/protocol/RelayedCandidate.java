package dev.dialtone.signaling.protocol;

/** {@code iceCandidate}, server → the other party of the call. */
public record RelayedCandidate(String from, Object candidate) {
}
