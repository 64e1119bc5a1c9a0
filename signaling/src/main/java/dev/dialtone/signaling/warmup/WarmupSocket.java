package dev.dialtone.signaling.warmup;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One Socket.IO v4 client over a websocket, just enough of the protocol for the warm-up's calls:
 * the Engine.IO open, a CONNECT with the token, events out (with or without an ack id), events
 * and acks in, answers to pings. Or, as socket.io-client connects by default, long-polling first
 * ({@link PollingHandshake}) and then the upgrade of that session to the websocket. Everything
 * runs on the one event loop it was connected on.
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

    private final EventLoop loop;
    private final WarmupTarget server;
    private final ClientStyle style;
    private final String token;
    private final Listener listener;
    private final int maxFrameBytes;
    /** The long-polling start until the upgrade, or null. */
    private PollingHandshake polling;
    private Channel channel;
    private int nextAck;
    /** Whether the warm-up closed this socket: its end is then expected, not a failure. */
    private boolean closing;

    private WarmupSocket(EventLoop loop, WarmupTarget server, ClientStyle style, String token,
                         Listener listener, int maxFrameBytes) {
        this.loop = loop;
        this.server = server;
        this.style = style;
        this.token = token;
        this.listener = listener;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Connects the way a {@code style} client does, over the websocket at once or, when
     * {@code pollingFirst}, by long-polling and then the upgrade; {@code listener} hears of every
     * event once the socket is in on its websocket, beginning with iceServers. Called on
     * {@code loop}'s thread, which then runs everything of this socket.
     */
    static WarmupSocket connect(EventLoop loop, WarmupTarget server, ClientStyle style, String token,
                                Listener listener, int maxFrameBytes, boolean pollingFirst) {
        WarmupSocket socket = new WarmupSocket(loop, server, style, token, listener, maxFrameBytes);
        if (pollingFirst) {
            socket.polling = new PollingHandshake(loop, server, style, token, maxFrameBytes, socket);
            socket.polling.start();
        } else {
            socket.openWebSocket(null);
        }
        return socket;
    }

    /** The polling session {@code sid} has its iceServers: its websocket opens, and is probed. */
    void probe(String sid) {
        openWebSocket(sid);
    }

    /**
     * The probe was answered and no poll is pending: {@code 5} upgrades the session, and what the
     * polls brought is read as if it had come on the websocket.
     */
    void upgraded(List<String> received) {
        polling = null;
        channel.writeAndFlush(new TextWebSocketFrame("5"));
        received.forEach(this::read);
    }

    /** The polling start went wrong. */
    void failed(String why) {
        listener.onFailure(this, why);
    }

    /**
     * A connection to {@code server} on {@code loop}, over its TLS if it has one, its pipeline made
     * by {@code handlers}: the warm-up's one way to open a connection, for the websocket and for
     * each polling request.
     */
    static ChannelFuture dial(EventLoop loop, WarmupTarget server, Consumer<ChannelPipeline> handlers) {
        return new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (server.tls() != null) {
                            ch.pipeline().addLast(new SslHandler(server.clientEngine()));
                        }
                        handlers.accept(ch.pipeline());
                    }
                })
                .connect(server.address());
    }

    /** The websocket, of a new session, or of the polling session {@code sid} to upgrade. */
    private void openWebSocket(String sid) {
        ChannelFuture connected = dial(loop, server, p -> p.addLast(HTTP, new HttpResponseDecoder())
                .addLast(AGGREGATOR, new HttpObjectAggregator(8192)).addLast(new Upgrade(sid)));
        channel = connected.channel();
        connected.addListener(f -> {
            if (!f.isSuccess() && !closing) {
                listener.onFailure(this, "cannot connect: " + f.cause());
            }
        });
    }

    /**
     * The websocket upgrade, written byte for byte as {@link ClientStyle} says; on 101, the
     * pipeline turns to websocket frames, the client's masked, and a polling session's probe goes out.
     */
    private final class Upgrade extends SimpleChannelInboundHandler<FullHttpResponse> {

        /** The polling session to upgrade, or null for a websocket-only client. */
        private final String sid;

        Upgrade(String sid) {
            this.sid = sid;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String request = style.upgradeRequest(server.hostPort(),
                    Base64.getEncoder().encodeToString(nonce), sid);
            ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (response.status().code() != 101) {
                listener.onFailure(WarmupSocket.this, "websocket upgrade refused: " + response.status());
                ctx.close();
                return;
            }
            ChannelPipeline p = ctx.pipeline();
            p.addAfter(HTTP, "ws-decoder", new WebSocket13FrameDecoder(false, false, maxFrameBytes));
            p.addAfter("ws-decoder", "ws-encoder", new WebSocket13FrameEncoder(true));
            p.replace(this, "socket", WarmupSocket.this);
            p.remove(AGGREGATOR);
            p.remove(HTTP); // what it holds past the response (the first frames) goes on to the frame decoder
            if (sid != null) {
                ctx.writeAndFlush(new TextWebSocketFrame("2probe"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            WarmupSocket.this.exceptionCaught(ctx, cause);
        }
    }

    /** {@code 42["event",json]}, or {@code 42<id>[...]} asking for an acknowledgement when {@code ack}. */
    void emit(String event, String json, boolean ack) {
        String id = ack ? Integer.toString(nextAck++) : "";
        channel.writeAndFlush(new TextWebSocketFrame("42" + id + "[\"" + event + "\"," + json + "]"));
    }

    void close() {
        closing = true;
        if (polling != null) {
            polling.close();
        }
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
        String text = frame.text();
        if (polling != null && text.equals("3probe")) {
            polling.probed();
        } else {
            read(text);
        }
    }

    /** A packet from the server, on the websocket or brought by a poll before the upgrade. */
    private void read(String text) {
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
            channel.writeAndFlush(new TextWebSocketFrame("40{\"token\":\"" + token + "\"}"));
        } else if (text.equals("2")) {
            channel.writeAndFlush(new TextWebSocketFrame("3"));
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
