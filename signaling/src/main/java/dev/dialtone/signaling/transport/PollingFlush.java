package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.handler.EncoderHandler;
import com.corundumstudio.socketio.messages.PacketsMessage;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.corundumstudio.socketio.transport.NamespaceClient;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure what is sent to a long-polling client leaves within moments. netty-socketio keeps
 * the poll a session is waiting on in a plain field: a sender on another thread can miss a poll
 * that was just bound (it finds the previous, answered one and leaves the packet queued), and a
 * closing poll can clear the binding of the next one. Either way the client waits for the next
 * ping, up to 25 s, or times out.
 *
 * <p>This handler notes the newest poll of each session as it arrives. A short while after
 * anything is sent to a polling client, if packets are still queued: a poll that lost its binding
 * is bound again (which writes the queue to it); otherwise a NOOP is sent, whose own send reads
 * the binding afresh.
 */
@Sharable
public final class PollingFlush extends ChannelInboundHandlerAdapter {

    private static final long DELAY_MS = 25;

    private final ScheduledExecutorService timers;
    /** Each polling session's newest poll, until it closes. */
    private final Map<UUID, Channel> polls = new ConcurrentHashMap<>();

    public PollingFlush(ScheduledExecutorService timers) {
        this.timers = timers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UUID session = msg instanceof FullHttpRequest request && HttpMethod.GET.equals(request.method())
                ? Polls.sessionOf(request) : null;
        ctx.fireChannelRead(msg);
        if (session != null) {
            Channel poll = ctx.channel();
            polls.put(session, poll);
            poll.closeFuture().addListener(f -> polls.remove(session, poll));
        }
    }

    /** Call after sending to {@code client}; a no-op unless it polls. */
    public void after(SocketIOClient client) {
        if (client.getTransport() != Transport.POLLING || !(client instanceof NamespaceClient nc)) {
            return;
        }
        ClientHead head = nc.getBaseClient();
        timers.schedule(() -> flush(head), DELAY_MS, TimeUnit.MILLISECONDS);
    }

    /** Forgets a session that has ended. */
    public void forget(UUID session) {
        polls.remove(session);
    }

    private void flush(ClientHead head) {
        if (!head.isConnected() || head.getPacketsQueue(Transport.POLLING).isEmpty()) {
            return;
        }
        Channel poll = polls.get(head.getSessionId());
        if (poll != null && poll.isActive() && poll.attr(EncoderHandler.WRITE_ONCE).get() == null
                && !head.isTransportChannel(poll, Transport.POLLING)) {
            head.bindChannel(poll, Transport.POLLING);
        } else {
            head.send(new Packet(PacketType.NOOP, head.getEngineIOVersion()), Transport.POLLING);
        }
    }
}
