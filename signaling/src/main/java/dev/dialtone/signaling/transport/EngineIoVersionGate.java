package dev.dialtone.signaling.transport;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses handshakes of Engine.IO versions the server does not serve, as Node's engine.io does:
 * HTTP 400 with {@code {"code":5,"message":"Unsupported protocol version"}}. Version 4 is served;
 * version 3 (Socket.IO v2 clients) only when allowed ({@code dialtone.signaling.allow-eio3}).
 *
 * <p>netty-socketio accepts an EIO=3 handshake and connects the default namespace at once, without
 * the auth listener (which only runs for a v4 CONNECT packet): such a client would be told it is
 * connected and then have its first event refused, a silent half-connection. Anything else (no or
 * another version) would be served with the wrong framing.
 */
@Sharable
final class EngineIoVersionGate extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(EngineIoVersionGate.class);
    private static final String UNSUPPORTED = "{\"code\":5,\"message\":\"Unsupported protocol version\"}";

    private final String connectPath;
    private final boolean allowEio3;

    /**
     * @param connectPath the Socket.IO path handshakes go to ({@code /socket.io/})
     * @param allowEio3   whether Engine.IO v3 clients are served
     */
    EngineIoVersionGate(String connectPath, boolean allowEio3) {
        this.connectPath = connectPath;
        this.allowEio3 = allowEio3;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || !isHandshake(request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String version = Polls.engineIoVersion(request);
        if ("4".equals(version) || (allowEio3 && "3".equals(version))) {
            ctx.fireChannelRead(msg);
            return;
        }
        log.info("handshake refused: Engine.IO version {} from {} ({})",
                version == null ? "none" : version.matches("\\d{1,2}") ? version : "(invalid)",
                ctx.channel().remoteAddress(),
                "3".equals(version) ? "Socket.IO v2 client; dialtone.signaling.allow-eio3 is off" : "unsupported");
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        request.release();
        ctx.writeAndFlush(Polls.response(origin, HttpResponseStatus.BAD_REQUEST, "application/json", UNSUPPORTED));
    }

    /** A request that opens a session: to the Socket.IO path, without a session id. */
    private boolean isHandshake(FullHttpRequest request) {
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        return query.path().equals(connectPath) && !query.parameters().containsKey("sid");
    }
}
