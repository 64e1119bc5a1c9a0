package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.messages.PacketsMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Sits in front of netty-socketio's packet handler and closes two gaps in its Socket.IO v4
 * CONNECT handling:
 * <ul>
 *   <li>a CONNECT without auth data skips the auth listeners, so a client with no token would be
 *       let in: such a CONNECT is given an empty auth object, and the auth listener refuses it
 *       with {@code connect_error} like any other bad token (or finds the query-string token);</li>
 *   <li>nothing fires after the CONNECT is acknowledged, and events sent before it reach the client
 *       out of order: {@code onAcknowledged} runs for the socket once the packets that carried its
 *       CONNECT have been handled, i.e. after the acknowledgement was queued.</li>
 * </ul>
 * Sockets that are already admitted pass straight through.
 */
@Sharable
final class ConnectGate extends ChannelInboundHandlerAdapter {

    private static final String SEPARATOR = "\u001e";
    private static final String BARE_CONNECT = "40";
    private static final String CONNECT_WITH_EMPTY_AUTH = "40{}";

    private final Predicate<UUID> admitted;
    private final Consumer<UUID> onAcknowledged;

    /**
     * @param admitted       whether a socket has been authenticated already
     * @param onAcknowledged called after each batch of packets of a socket not admitted before it
     */
    ConnectGate(Predicate<UUID> admitted, Consumer<UUID> onAcknowledged) {
        this.admitted = admitted;
        this.onAcknowledged = onAcknowledged;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof PacketsMessage packets)) {
            ctx.fireChannelRead(msg);
            return;
        }
        UUID socket = packets.getClient().getSessionId();
        if (admitted.test(socket)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf fixed = withAuthOnBareConnect(packets.getContent());
        try {
            ctx.fireChannelRead(fixed == null ? packets
                    : new PacketsMessage(packets.getClient(), fixed, packets.getTransport()));
        } finally {
            if (fixed != null) {
                fixed.release();
            }
        }
        onAcknowledged.accept(socket);
    }

    /** The payload with every bare default-namespace CONNECT given {@code {}} as auth, or null if none. */
    static ByteBuf withAuthOnBareConnect(ByteBuf content) {
        String payload = content.toString(StandardCharsets.UTF_8);
        String[] packets = payload.split(SEPARATOR, -1);
        boolean changed = false;
        for (int i = 0; i < packets.length; i++) {
            if (packets[i].equals(BARE_CONNECT)) {
                packets[i] = CONNECT_WITH_EMPTY_AUTH;
                changed = true;
            }
        }
        return changed ? Unpooled.copiedBuffer(String.join(SEPARATOR, packets), StandardCharsets.UTF_8) : null;
    }
}
