package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.EncoderHandler;
import com.corundumstudio.socketio.messages.OutPacketMessage;
import com.corundumstudio.socketio.protocol.EngineIOVersion;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Queue;

/**
 * Writes long-polling responses to Engine.IO v3 clients (Socket.IO v2) in the framing their parser
 * reads, as Node's engine.io 3 does: a text payload of {@code <length>:<packet>} entries, the
 * length counted in UTF-16 code units (a character outside the BMP, an emoji, counts 2).
 *
 * <p>netty-socketio frames them with byte counts: as binary frames joined by the v4 separator
 * (0x1e), which Socket.IO v2's parser cannot split when a response holds two packets, or, for a
 * client that asked for base64, as UTF-8 bytes re-encoded as Latin-1 with byte lengths, which
 * mangles anything outside ASCII (netty-socketio issues 566 and 754). JSONP polling is left to
 * netty-socketio. Packets with binary attachments are written as base64 messages ({@code b4...}),
 * as engine.io does for clients that read text.
 */
@Sharable
final class Eio3PollingEncoder extends ChannelOutboundHandlerAdapter {

    private final PacketEncoder encoder;

    /** @param encoder encodes one Socket.IO packet (the server's JSON support) */
    Eio3PollingEncoder(PacketEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws IOException {
        if (!(msg instanceof OutPacketMessage out) || out.getTransport() != Transport.POLLING
                || out.getClientHead().getEngineIOVersion() != EngineIOVersion.V3
                || ctx.channel().attr(EncoderHandler.JSONP_INDEX).get() != null) {
            ctx.write(msg, promise);
            return;
        }
        Channel poll = ctx.channel();
        Queue<Packet> queue = out.getClientHead().getPacketsQueue(Transport.POLLING);
        // as netty-socketio's encoder: one answer per poll, only when there is something to say
        if (!poll.isActive() || queue.isEmpty() || !poll.attr(EncoderHandler.WRITE_ONCE).compareAndSet(null, true)) {
            promise.trySuccess();
            return;
        }
        StringBuilder payload = new StringBuilder();
        for (Packet packet = queue.poll(); packet != null; packet = queue.poll()) {
            appendFramed(payload, encode(ctx, packet));
            for (ByteBuf attachment : packet.getAttachments()) {
                appendFramed(payload, "b4" + Base64.getEncoder().encodeToString(ByteBufUtil.getBytes(attachment)));
            }
        }
        ctx.writeAndFlush(Polls.pollAnswer(poll, payload.toString()), promise);
    }

    private String encode(ChannelHandlerContext ctx, Packet packet) throws IOException {
        ByteBuf buf = ctx.alloc().heapBuffer();
        try {
            encoder.encodePacket(packet, buf, ctx.alloc(), true);
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    /** {@code <length>:<message>}, the length in UTF-16 code units as JavaScript counts. */
    static void appendFramed(StringBuilder payload, String message) {
        payload.append(message.length()).append(':').append(message);
    }
}
