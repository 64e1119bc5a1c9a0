package dev.dialtone.signaling.call;

import java.util.UUID;

/** One event for one socket, decided under the switchboard's lock and sent after it is released. */
public record Delivery(UUID socket, String event, Object payload) {
}
