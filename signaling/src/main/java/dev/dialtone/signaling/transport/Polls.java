package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.handler.EncoderHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads Engine.IO HTTP requests and writes the short answers Dialtone gives some of them itself. */
final class Polls {

    private Polls() {
    }

    /** The session id of an Engine.IO polling request, or null for anything else. */
    static UUID sessionOf(FullHttpRequest request) {
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        List<String> transport = params.get("transport");
        List<String> sid = params.get("sid");
        if (transport == null || !"polling".equals(transport.get(0)) || sid == null) {
            return null;
        }
        try {
            return UUID.fromString(sid.get(0));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The Engine.IO version a request asks for: the {@code EIO} parameter, or null. */
    static String engineIoVersion(FullHttpRequest request) {
        List<String> eio = new QueryStringDecoder(request.uri()).parameters().get("EIO");
        return eio == null ? null : eio.get(0);
    }

    /** A 200 answer to {@code poll} with a text payload. */
    static FullHttpResponse pollAnswer(Channel poll, String payload) {
        return response(poll.attr(EncoderHandler.ORIGIN).get(), HttpResponseStatus.OK,
                "text/plain; charset=UTF-8", payload);
    }

    /**
     * A complete response carrying the CORS headers netty-socketio's own responses carry (by
     * default: the request's origin, else any).
     */
    static FullHttpResponse response(String origin, HttpResponseStatus status, String contentType, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (origin != null) {
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, true);
        } else {
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
        return response;
    }
}
