package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.Test;

class EngineIoVersionGateTest {

    private static final String PATH = "/socket.io/";

    @Test
    void anEio3HandshakeIsRefusedWithNodesAnswerByDefault() {
        for (String query : new String[] {"EIO=3&transport=polling", "EIO=3&transport=websocket", "transport=polling", "EIO=2&transport=polling"}) {
            EmbeddedChannel channel = new EmbeddedChannel(new EngineIoVersionGate(PATH, false));
            channel.writeInbound(EmbeddedPolls.get(PATH + "?" + query));
            assertNull(channel.readInbound(), query + " goes no further");
            FullHttpResponse response = channel.readOutbound();
            assertEquals(400, response.status().code(), query);
            assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            assertEquals("{\"code\":5,\"message\":\"Unsupported protocol version\"}", EmbeddedPolls.body(response));
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void eio4AlwaysAndEio3WhenAllowedPass() {
        assertPasses(new EngineIoVersionGate(PATH, false), PATH + "?EIO=4&transport=polling");
        assertPasses(new EngineIoVersionGate(PATH, true), PATH + "?EIO=3&transport=polling&token=x");
    }

    @Test
    void requestsOfAnOpenSessionAndOtherPathsAreNotHandshakes() {
        assertPasses(new EngineIoVersionGate(PATH, false), PATH + "?EIO=3&transport=polling&sid=abc");
        assertPasses(new EngineIoVersionGate(PATH, false), "/other?EIO=3");
    }

    private static void assertPasses(EngineIoVersionGate gate, String uri) {
        EmbeddedChannel channel = new EmbeddedChannel(gate);
        FullHttpRequest request = EmbeddedPolls.get(uri);
        channel.writeInbound(request);
        assertSame(request, channel.readInbound(), uri);
        assertNull(channel.readOutbound(), uri);
        channel.finishAndReleaseAll();
    }
}
