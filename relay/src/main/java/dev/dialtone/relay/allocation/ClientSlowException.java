package dev.dialtone.relay.allocation;

import java.io.IOException;

/**
 * Thrown by {@link ClientTransport#send} when a stream client has so much waiting for it already
 * that the frame was dropped, not queued: it reads more slowly than it is sent to. The sender goes
 * on at once and counts the drop. One shared instance without a stack trace: a flood towards a
 * slow client drops many frames, and none of them is a fault of the relay to trace.
 */
public final class ClientSlowException extends IOException {

    public static final ClientSlowException INSTANCE = new ClientSlowException();

    private ClientSlowException() {
        super("the client does not read fast enough: its write queue is full");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
