package dev.dialtone.signaling.warmup;

import dev.dialtone.signaling.SignalingServer;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * A second way into the warm-up's private server, as the real server has one: the edge port, which
 * hands its Socket.IO connections to the signaling event loop over its TLS. Half of the warm-up's
 * sockets come in by it, so that its code (the TLS records on the event loop, the handover) is
 * compiled before the first real client too.
 */
@FunctionalInterface
public interface WarmupDoor {

    /** Opens onto {@code server}, which has started; {@link Opened#close} closes it when the warm-up ends. */
    Opened open(SignalingServer server) throws IOException;

    /**
     * @param target      where the warm-up's clients connect, and their side of its TLS
     * @param connections how many connections it has served
     * @param closer      closes the door
     */
    record Opened(WarmupTarget target, LongSupplier connections, AutoCloseable closer)
            implements AutoCloseable {

        @Override
        public void close() throws Exception {
            closer.close();
        }
    }
}
