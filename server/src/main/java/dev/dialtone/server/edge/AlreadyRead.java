package dev.dialtone.server.edge;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The plaintext an edge connection carried before it was handed to the signaling server's event
 * loop (the request head the edge read to route it, and what came with it): passed on as the
 * connection's first read, then out of the way.
 */
final class AlreadyRead extends ChannelInboundHandlerAdapter {

    private final byte[] bytes;

    AlreadyRead(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(Unpooled.wrappedBuffer(bytes));
        ctx.fireChannelReadComplete();
    }
}
