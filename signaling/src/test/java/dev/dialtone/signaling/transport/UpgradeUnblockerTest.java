package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.PacketsMessage;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UpgradeUnblockerTest {

    private final AtomicInteger upgraded = new AtomicInteger();
    private final UpgradeUnblocker upgrades = new UpgradeUnblocker(upgraded::incrementAndGet);
    private final ClientHead head = EmbeddedPolls.session("4");

    @Test
    void everyPollBetweenProbeAndUpgradeIsGivenANoop() {
        websocket("2probe");
        poll();
        poll();
        assertEquals(List.of(PacketType.NOOP, PacketType.NOOP), queued());
        websocket("5");
        poll();
        assertEquals(2, queued().size(), "after the upgrade polls wait as usual");
        assertEquals(1, upgraded.get(), "one upgrade counted");
        websocket("5");
        assertEquals(1, upgraded.get(), "a 5 without a probe before it upgrades nothing");
    }

    @Test
    void aSessionForgottenMidUpgradeGetsNoMoreNoops() {
        websocket("2probe");
        upgrades.forget(head.getSessionId());
        poll();
        assertTrue(queued().isEmpty());
        websocket("5");
        assertEquals(0, upgraded.get(), "no upgrade of a forgotten session");
    }

    private void websocket(String content) {
        EmbeddedChannel ws = new EmbeddedChannel(upgrades);
        ws.writeInbound(new PacketsMessage(head, Unpooled.copiedBuffer(content, StandardCharsets.UTF_8), Transport.WEBSOCKET));
        ws.finishAndReleaseAll();
    }

    private void poll() {
        EmbeddedChannel poll = new EmbeddedChannel(upgrades);
        FullHttpRequest request = EmbeddedPolls.get("/socket.io/?EIO=4&transport=polling&sid=" + head.getSessionId());
        poll.writeInbound(request);
        poll.finishAndReleaseAll();
    }

    private List<PacketType> queued() {
        return head.getPacketsQueue(Transport.POLLING).stream().map(Packet::getType).toList();
    }
}
