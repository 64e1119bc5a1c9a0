package dev.dialtone.signaling.warmup;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * How socket.io-client connects by default (browsers, Node, the Java and Android client): HTTP
 * long-polling first, then the upgrade to a websocket. The Engine.IO handshake is a GET, the
 * CONNECT with the token a POST, the packets that follow (the CONNECT's answer, iceServers) come
 * in polls, {@code \u001e} between them. Then, with a poll pending as a client has one, the
 * websocket of the same session ({@code &sid=}) is probed ({@code 2probe}, {@code 3probe}); once
 * the pending poll is back, {@code 5} upgrades the session, and the socket goes on over the
 * websocket with what the polls brought. Each HTTP request has a connection of its own, closed
 * once answered. Runs on the socket's event loop.
 */
final class PollingHandshake {

    private static final String RECORD_SEPARATOR = "\u001e";
    private static final String SID = "\"sid\":\"";

    private final EventLoop loop;
    private final WarmupTarget server;
    private final ClientStyle style;
    private final String token;
    private final int maxResponseBytes;
    private final WarmupSocket socket;
    /** Packets the polls brought, for the socket once it is on the websocket. */
    private final List<String> received = new ArrayList<>();
    /** Requests not answered yet: closed with the socket. */
    private final Set<Channel> requests = new HashSet<>();
    private String sid;
    private boolean probing;
    private boolean probed;
    private boolean pollPending;
    private boolean closed;

    PollingHandshake(EventLoop loop, WarmupTarget server, ClientStyle style, String token, int maxResponseBytes,
                     WarmupSocket socket) {
        this.loop = loop;
        this.server = server;
        this.style = style;
        this.token = token;
        this.maxResponseBytes = maxResponseBytes;
        this.socket = socket;
    }

    /** The Engine.IO handshake: a GET without a session. */
    void start() {
        request(null, this::opened);
    }

    /** {@code 3probe} came on the websocket: the upgrade follows once no poll is pending. */
    void probed() {
        probed = true;
        if (!pollPending) {
            socket.upgraded(received);
        }
    }

    /** The socket closes: requests still out are dropped, and their end is no failure. */
    void close() {
        closed = true;
        List.copyOf(requests).forEach(Channel::close);
    }

    private void opened(String open) {
        int at = open.indexOf(SID);
        int end = at < 0 ? -1 : open.indexOf('"', at + SID.length());
        if (!open.startsWith("0") || end < 0) {
            socket.failed("no session in the polling handshake");
            return;
        }
        sid = open.substring(at + SID.length(), end);
        request("40{\"token\":\"" + token + "\"}", ok -> poll());
    }

    private void poll() {
        pollPending = true;
        request(null, this::polled);
    }

    private void polled(String payload) {
        pollPending = false;
        for (String packet : payload.split(RECORD_SEPARATOR)) {
            if (packet.equals("2")) {
                request("3", ok -> { });
            } else if (packet.startsWith("44")) {
                socket.failed("connect refused");
                return;
            } else if (!packet.equals("6")) { // a NOOP completes a poll with nothing in it
                received.add(packet);
                if (!probing && packet.startsWith("42[\"iceServers\"")) {
                    probing = true;
                    socket.probe(sid);
                }
            }
        }
        if (probed) {
            socket.upgraded(received);
        } else {
            poll();
        }
    }

    /** A GET ({@code body} null) or a POST of {@code body}; {@code answered} gets the 200's body. */
    private void request(String body, Consumer<String> answered) {
        String t = Integer.toString(ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE), 36);
        String request = style.pollingRequest(server.hostPort(), sid, t, body);
        // the request goes out as the style's bytes, not through an encoder
        Channel channel = WarmupSocket.dial(loop, server, p -> p.addLast(new HttpResponseDecoder(),
                        new HttpContentDecompressor(), new HttpObjectAggregator(maxResponseBytes),
                        new Response(request, answered)))
                .addListener(f -> {
                    if (!f.isSuccess() && !closed) {
                        socket.failed("cannot connect: " + f.cause());
                    }
                })
                .channel();
        requests.add(channel);
        channel.closeFuture().addListener(f -> requests.remove(channel));
    }

    /** One request, written once connected, and its answer; its connection closes with it. */
    private final class Response extends SimpleChannelInboundHandler<FullHttpResponse> {

        private final String request;
        private final Consumer<String> answered;
        private boolean done;

        Response(String request, Consumer<String> answered) {
            this.request = request;
            this.answered = answered;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.UTF_8));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            done = true;
            ctx.close();
            if (closed) {
                return;
            }
            if (response.status().code() != 200) {
                socket.failed("polling request refused: " + response.status());
                return;
            }
            answered.accept(response.content().toString(StandardCharsets.UTF_8));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done && !closed) {
                socket.failed("polling connection closed before its answer");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closed) {
                socket.failed(cause.toString());
            }
            done = true;
            ctx.close();
        }
    }
}
