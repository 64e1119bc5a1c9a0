package dev.dialtone.signaling.transport;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads Engine.IO long-polling requests. */
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
}
