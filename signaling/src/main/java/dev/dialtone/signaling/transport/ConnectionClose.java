package dev.dialtone.signaling.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;

/**
 * One HTTP response per connection, and said so. netty-socketio closes the connection after each
 * polling response, handshake and error, yet its encoder writes {@code Connection: keep-alive}
 * (netty-socketio issue 906 and its kin): clients with a connection pool (aiohttp, OkHttp, Node's
 * agent) send their next request on a connection the server is closing and fail with "server
 * disconnected". This handler makes every response say {@code Connection: close} and closes the
 * connection once the response is written, whichever netty-socketio path wrote it. The websocket
 * upgrade (101) is left alone.
 */
@Sharable
final class ConnectionClose extends ChannelOutboundHandlerAdapter {

    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("dialtoneConnectionClose");

    /** Whether a response (other than the websocket upgrade) has been written on {@code channel}. */
    static boolean responded(Channel channel) {
        return channel.hasAttr(CLOSING);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response
                && !HttpResponseStatus.SWITCHING_PROTOCOLS.equals(response.status())) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.channel().attr(CLOSING).set(true);
        }
        if (msg instanceof LastHttpContent && ctx.channel().hasAttr(CLOSING)) {
            ChannelPromise written = promise.unvoid();
            ctx.write(msg, written);
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.write(msg, promise);
    }
}
