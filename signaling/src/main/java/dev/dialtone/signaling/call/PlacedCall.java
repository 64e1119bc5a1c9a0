package dev.dialtone.signaling.call;

/**
 * A call just placed: its id, and whether it waits for the callee's devices to wake (dialtone.push)
 * rather than ringing at once. Decided with the placement itself: asking afterwards races the
 * app's backend, which may already have answered that it knows no device and ended the call.
 */
public record PlacedCall(String callId, boolean waking) {
}
