package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.handler.EncoderHandler;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.corundumstudio.socketio.transport.NamespaceClient;
import io.netty.channel.Channel;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure what is sent to a long-polling client leaves within moments. netty-socketio keeps
 * the poll a session is waiting on in a plain field: a sender on another thread can miss a poll
 * that was just bound (it finds the previous, answered one and leaves the packet queued), and a
 * closing poll can clear the binding of the next one. Either way the client waits for the next
 * ping, up to 25 s, or times out.
 *
 * <p>{@link PendingPolls} notes the newest poll of each session as it arrives. A short while after
 * anything is sent to a polling client, if packets are still queued: a poll that lost its binding
 * is bound again (which writes the queue to it); otherwise a NOOP is sent, whose own send reads
 * the binding afresh.
 */
final class PollingFlush {

    private static final long DELAY_MS = 25;

    private final ScheduledExecutorService timers;
    private final PendingPolls polls;

    PollingFlush(ScheduledExecutorService timers, PendingPolls polls) {
        this.timers = timers;
        this.polls = polls;
    }

    /** Call after sending to {@code client}; a no-op unless it polls. */
    public void after(SocketIOClient client) {
        if (client.getTransport() != Transport.POLLING || !(client instanceof NamespaceClient nc)) {
            return;
        }
        ClientHead head = nc.getBaseClient();
        timers.schedule(() -> flush(head), DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private void flush(ClientHead head) {
        if (!head.isConnected() || head.getPacketsQueue(Transport.POLLING).isEmpty()) {
            return;
        }
        Channel poll = polls.newest(head.getSessionId());
        if (poll != null && poll.isActive() && poll.attr(EncoderHandler.WRITE_ONCE).get() == null
                && !head.isTransportChannel(poll, Transport.POLLING)) {
            head.bindChannel(poll, Transport.POLLING);
        } else {
            head.send(new Packet(PacketType.NOOP, head.getEngineIOVersion()), Transport.POLLING);
        }
    }
}
