package dev.dialtone.signaling.warmup;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One Socket.IO v4 client over a websocket, just enough of the protocol for the warm-up's calls:
 * the Engine.IO open, a CONNECT with the token, events out (with or without an ack id), events
 * and acks in, answers to pings. Everything runs on the one event loop it was connected on.
 */
final class WarmupSocket extends SimpleChannelInboundHandler<TextWebSocketFrame> {

    /** Events in: the event's name and the whole frame ({@code 42["name",{...}]}). */
    interface Listener {
        void onEvent(WarmupSocket socket, String event, String frame);

        /** Anything the warm-up did not expect: an error event, a refused CONNECT, a lost connection. */
        void onFailure(WarmupSocket socket, String why);
    }

    private static final String EVENT = "42[\"";
    private static final String HTTP = "http";
    private static final String AGGREGATOR = "aggregator";

    private final String token;
    private final Listener listener;
    private Channel channel;
    private int nextAck;
    /** Whether the warm-up closed this socket: its end is then expected, not a failure. */
    private boolean closing;

    private WarmupSocket(String token, Listener listener) {
        this.token = token;
        this.listener = listener;
    }

    /**
     * Connects the way a {@code style} client does; {@code listener} hears of every event once the
     * socket is in, beginning with iceServers. Called on {@code loop}'s thread, which then runs
     * everything of this socket.
     */
    static WarmupSocket connect(EventLoop loop, InetSocketAddress server, ClientStyle style, String token,
                                Listener listener, int maxFrameBytes) {
        WarmupSocket socket = new WarmupSocket(token, listener);
        ChannelFuture connected = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(HTTP, new HttpResponseDecoder())
                                .addLast(AGGREGATOR, new HttpObjectAggregator(8192))
                                .addLast(new Upgrade(style, server, maxFrameBytes, socket));
                    }
                })
                .connect(server);
        socket.channel = connected.channel();
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                listener.onFailure(socket, "cannot connect: " + f.cause());
            }
        });
        return socket;
    }

    /**
     * The websocket upgrade, written byte for byte as {@link ClientStyle} says; on 101, the
     * pipeline turns to websocket frames, the client's masked.
     */
    private static final class Upgrade extends SimpleChannelInboundHandler<FullHttpResponse> {

        private final ClientStyle style;
        private final InetSocketAddress server;
        private final int maxFrameBytes;
        private final WarmupSocket socket;

        Upgrade(ClientStyle style, InetSocketAddress server, int maxFrameBytes, WarmupSocket socket) {
            this.style = style;
            this.server = server;
            this.maxFrameBytes = maxFrameBytes;
            this.socket = socket;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String request = style.upgradeRequest(server.getHostString() + ":" + server.getPort(),
                    Base64.getEncoder().encodeToString(nonce));
            ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (response.status().code() != 101) {
                socket.listener.onFailure(socket, "websocket upgrade refused: " + response.status());
                ctx.close();
                return;
            }
            ChannelPipeline p = ctx.pipeline();
            p.addAfter(HTTP, "ws-decoder", new WebSocket13FrameDecoder(false, false, maxFrameBytes));
            p.addAfter("ws-decoder", "ws-encoder", new WebSocket13FrameEncoder(true));
            p.replace(this, "socket", socket);
            p.remove(AGGREGATOR);
            p.remove(HTTP); // what it holds past the response (the first frames) goes on to the frame decoder
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            socket.exceptionCaught(ctx, cause);
        }
    }

    /** {@code 42["event",json]}, or {@code 42<id>[...]} asking for an acknowledgement when {@code ack}. */
    void emit(String event, String json, boolean ack) {
        String id = ack ? Integer.toString(nextAck++) : "";
        channel.writeAndFlush(new TextWebSocketFrame("42" + id + "[\"" + event + "\"," + json + "]"));
    }

    void close() {
        closing = true;
        channel.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
        String text = frame.text();
        if (text.startsWith(EVENT)) {
            int end = text.indexOf('"', EVENT.length());
            String event = end < 0 ? "" : text.substring(EVENT.length(), end);
            if (event.equals("error") || event.equals("callRejected")) {
                listener.onFailure(this, event);
            } else {
                listener.onEvent(this, event, text);
            }
        } else if (text.startsWith("0")) {
            // the Engine.IO open: now the Socket.IO CONNECT, with the token as its auth data
            ctx.writeAndFlush(new TextWebSocketFrame("40{\"token\":\"" + token + "\"}"));
        } else if (text.equals("2")) {
            ctx.writeAndFlush(new TextWebSocketFrame("3"));
        } else if (text.startsWith("44")) {
            listener.onFailure(this, "connect refused");
        }
        // "40{sid}" (connected) and "43<id>[...]" (acks) need no answer
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closing) {
            listener.onFailure(this, "connection closed");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        listener.onFailure(this, cause.toString());
        ctx.close();
    }
}
