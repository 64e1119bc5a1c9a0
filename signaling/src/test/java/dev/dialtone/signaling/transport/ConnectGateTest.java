package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.PacketsMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConnectGateTest {

    @Test
    void aBareConnectGetsAnEmptyAuthObject() {
        assertEquals("40{}", rewrite("40"));
    }

    @Test
    void aBareConnectInsideAPollingBatchIsFoundToo() {
        assertEquals("40{}\u001e42[\"callUser\",{}]", rewrite("40\u001e42[\"callUser\",{}]"));
    }

    @Test
    void connectsWithAuthAndOtherPacketsAreLeftAlone() {
        assertNull(rewrite("40{\"token\":\"x\"}"));
        assertNull(rewrite("42[\"callUser\",\"40\"]"));
        assertNull(rewrite("40/chat,"));
    }

    @Test
    void inAPipelineABareConnectOfANewSocketIsGivenAuthAndTheSocketIsGreetedAfterwards() {
        ClientHead head = EmbeddedPolls.session("4");
        List<String> events = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectGate(s -> false, s -> events.add("acknowledged " + s)),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        events.add("handled " + ((PacketsMessage) msg).getContent().toString(StandardCharsets.UTF_8));
                    }
                });
        channel.writeInbound(new PacketsMessage(head, Unpooled.copiedBuffer("40", StandardCharsets.UTF_8), Transport.POLLING));
        assertEquals(List.of("handled 40{}", "acknowledged " + head.getSessionId()), events);
        channel.finishAndReleaseAll();
    }

    @Test
    void packetsOfAnAdmittedSocketPassUntouched() {
        ClientHead head = EmbeddedPolls.session("4");
        List<UUID> greeted = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectGate(s -> true, greeted::add));
        PacketsMessage packets = new PacketsMessage(head, Unpooled.copiedBuffer("40", StandardCharsets.UTF_8), Transport.POLLING);
        channel.writeInbound(packets);
        assertSame(packets, channel.readInbound());
        assertEquals(List.of(), greeted);
        channel.finishAndReleaseAll();
    }

    private static String rewrite(String payload) {
        ByteBuf fixed = ConnectGate.withAuthOnBareConnect(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
        if (fixed == null) {
            return null;
        }
        try {
            return fixed.toString(StandardCharsets.UTF_8);
        } finally {
            fixed.release();
        }
    }
}
