package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.PacketsMessage;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the polling → websocket upgrade from stalling. netty-socketio answers the client's
 * websocket probe with a single NOOP on the polling transport; when that NOOP completes a poll
 * the client started before it read the probe's reply, the client starts one more poll, then
 * pauses polling to upgrade and waits for that poll, which the server leaves open until the
 * next ping (up to the ping interval, 25 s). Everything the client emits meanwhile waits with it.
 *
 * <p>Engine.IO's own servers answer every poll with a NOOP while an upgrade is under way; this
 * handler does the same: between a probe ({@code 2probe} on the websocket) and the upgrade
 * ({@code 5}), each poll of that session is completed with a NOOP.
 */
@Sharable
final class UpgradeUnblocker extends ChannelInboundHandlerAdapter {

    private static final String PROBE = "2probe";
    private static final String UPGRADE = "5";

    /** Sessions between probe and upgrade. */
    private final Map<UUID, ClientHead> upgrading = new ConcurrentHashMap<>();
    private final Runnable onUpgraded;

    /** @param onUpgraded runs for each session upgraded (its {@code 5} after a probe) */
    UpgradeUnblocker(Runnable onUpgraded) {
        this.onUpgraded = onUpgraded;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PacketsMessage packets && packets.getTransport() == Transport.WEBSOCKET) {
            trackUpgrade(packets);
            ctx.fireChannelRead(msg);
        } else if (msg instanceof FullHttpRequest request && HttpMethod.GET.equals(request.method())) {
            UUID polling = Polls.sessionOf(request);
            ctx.fireChannelRead(msg);
            ClientHead client = polling == null ? null : upgrading.get(polling);
            if (client != null) {
                client.send(new Packet(PacketType.NOOP, client.getEngineIOVersion()), Transport.POLLING);
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Forgets a session that ends before it upgrades. */
    public void forget(UUID session) {
        upgrading.remove(session);
    }

    private void trackUpgrade(PacketsMessage packets) {
        int size = packets.getContent().readableBytes();
        if (size != PROBE.length() && size != UPGRADE.length()) {
            return;
        }
        String content = packets.getContent().toString(StandardCharsets.UTF_8);
        ClientHead client = packets.getClient();
        if (PROBE.equals(content)) {
            upgrading.put(client.getSessionId(), client);
        } else if (UPGRADE.equals(content) && upgrading.remove(client.getSessionId()) != null) {
            onUpgraded.run();
        }
    }
}
