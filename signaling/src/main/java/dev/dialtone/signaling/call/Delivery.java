package dev.dialtone.signaling.call;

import java.util.UUID;

/**
 * One event for one socket, decided under the switchboard's lock and sent after it is released;
 * or, with {@link #DISCONNECT} as the event, the order to close the socket, which the node holding
 * it carries out like a client's own disconnect.
 */
public record Delivery(UUID socket, String event, Object payload) {

    /** Not a Socket.IO event: no client ever receives it, it closes the socket. */
    public static final String DISCONNECT = "dialtone:disconnect";

    /** The order to close {@code socket}. */
    public static Delivery disconnect(UUID socket) {
        return new Delivery(socket, DISCONNECT, null);
    }

    public boolean isDisconnect() {
        return DISCONNECT.equals(event);
    }
}
