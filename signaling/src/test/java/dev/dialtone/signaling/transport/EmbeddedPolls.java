package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.HandshakeData;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.handler.ClientsBox;
import com.corundumstudio.socketio.scheduler.CancelableScheduler;
import com.corundumstudio.socketio.store.MemoryStoreFactory;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What the transport tests feed Netty's EmbeddedChannel: requests, sessions, answers read back. */
public final class EmbeddedPolls {

    private EmbeddedPolls() {
    }

    static FullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    /** A netty-socketio session of Engine.IO version {@code eio}, as its handshake makes it. */
    public static ClientHead session(String eio) {
        return session(eio, null);
    }

    /** As {@link #session(String)}, with the scheduler of its ping timeout. */
    public static ClientHead session(String eio, CancelableScheduler scheduler) {
        Map<String, List<String>> params = Map.of("EIO", List.of(eio), "transport", List.of("polling"));
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 4002);
        HandshakeData handshake = new HandshakeData(new DefaultHttpHeaders(), params,
                new InetSocketAddress("127.0.0.1", 50000), local, "/socket.io/?EIO=" + eio, false);
        return new ClientHead(UUID.randomUUID(), null, null, new MemoryStoreFactory(), handshake, new ClientsBox(),
                Transport.POLLING, scheduler, new Configuration(), params);
    }

    static String body(FullHttpResponse response) {
        try {
            return response.content().toString(StandardCharsets.UTF_8);
        } finally {
            response.release();
        }
    }
}
