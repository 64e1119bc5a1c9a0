package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.messages.PacketsMessage;
import com.corundumstudio.socketio.protocol.EngineIOVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * Lets netty-socketio read what Engine.IO v3 clients (Socket.IO v2) post over long-polling: a text
 * payload of {@code <length>:<packet>} entries whose lengths count UTF-16 code units, as
 * JavaScript does. netty-socketio's decoder counts a character outside the BMP (an emoji) as one,
 * not two, cuts the packet short and drops the rest of the payload (netty-socketio issue 754). Each
 * length is rewritten as the count of code points, which is what that decoder measures.
 */
@Sharable
final class Eio3PayloadLengths extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof PacketsMessage packets) || packets.getTransport() != Transport.POLLING
                || packets.getClient().getEngineIOVersion() != EngineIOVersion.V3) {
            ctx.fireChannelRead(msg);
            return;
        }
        String recounted = inCodePoints(packets.getContent().toString(StandardCharsets.UTF_8));
        if (recounted == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf content = Unpooled.copiedBuffer(recounted, StandardCharsets.UTF_8);
        try {
            ctx.fireChannelRead(new PacketsMessage(packets.getClient(), content, packets.getTransport()));
        } finally {
            content.release();
        }
    }

    /**
     * The payload with each length counting code points, or null when it needs no change (no
     * character outside the BMP) or is not a text payload (binary framing, or malformed: left
     * to netty-socketio's decoder to refuse).
     */
    static String inCodePoints(String payload) {
        if (payload.length() == payload.codePointCount(0, payload.length())) {
            return null;
        }
        StringBuilder out = new StringBuilder(payload.length());
        int i = 0;
        while (i < payload.length()) {
            int colon = payload.indexOf(':', i);
            if (colon <= i || colon - i > 10) {
                return null;
            }
            int length;
            try {
                length = Integer.parseInt(payload, i, colon, 10);
            } catch (NumberFormatException e) {
                return null;
            }
            int end = colon + 1 + length;
            if (length < 0 || end > payload.length()) {
                return null;
            }
            out.append(payload.codePointCount(colon + 1, end)).append(':').append(payload, colon + 1, end);
            i = end;
        }
        return out.toString();
    }
}
