package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.corundumstudio.socketio.transport.NamespaceClient;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure what is sent to a long-polling client leaves within moments. netty-socketio queues
 * the packet and writes it to the poll it finds bound to the session; the binding is a plain
 * field, so a sender on one thread can miss the poll another thread has just bound (a store and
 * load reordered on the CPU) and leave the packet queued until the next ping, up to 25 s later.
 * A short while after sending to a polling client, anything still queued is pushed out with a
 * NOOP, whose own send reads the binding afresh.
 */
public final class PollingFlush {

    private static final long DELAY_MS = 25;

    private final ScheduledExecutorService timers;

    public PollingFlush(ScheduledExecutorService timers) {
        this.timers = timers;
    }

    /** Call after sending to {@code client}; a no-op unless it polls. */
    public void after(SocketIOClient client) {
        if (client.getTransport() != Transport.POLLING || !(client instanceof NamespaceClient nc)) {
            return;
        }
        ClientHead head = nc.getBaseClient();
        timers.schedule(() -> {
            if (head.isConnected() && !head.getPacketsQueue(Transport.POLLING).isEmpty()) {
                head.send(new Packet(PacketType.NOOP, head.getEngineIOVersion()), Transport.POLLING);
            }
        }, DELAY_MS, TimeUnit.MILLISECONDS);
    }
}
