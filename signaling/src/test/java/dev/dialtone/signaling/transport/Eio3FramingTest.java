package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.OutPacketMessage;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketEncoder;
import com.corundumstudio.socketio.protocol.PacketType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Engine.IO v3 polling payloads both ways: lengths in UTF-16 code units, as JavaScript counts. */
class Eio3FramingTest {

    private static final String HOSTILE = "\"q\" \\ \t é✓😀 \u2028 \u0000";

    @Test
    void responsesFrameEachPacketWithItsJavaScriptLength() throws Exception {
        ClientHead head = EmbeddedPolls.session("3");
        Packet connect = new Packet(PacketType.MESSAGE, head.getEngineIOVersion());
        connect.setSubType(PacketType.CONNECT);
        head.getPacketsQueue(Transport.POLLING).add(connect);
        head.getPacketsQueue(Transport.POLLING).add(event(head, HOSTILE));
        EmbeddedChannel poll = new EmbeddedChannel(encoder());

        poll.writeAndFlush(new OutPacketMessage(head, Transport.POLLING));

        String body = EmbeddedPolls.body(poll.readOutbound());
        assertTrue(body.startsWith("2:40"), body);
        int colon = body.indexOf(':', 4);
        String event = body.substring(colon + 1);
        assertEquals(Integer.parseInt(body.substring(4, colon)), event.length(), "UTF-16 length of " + event);
        assertEquals(List.of("incomingCall", Map.of("sdp", HOSTILE)),
                new ObjectMapper().readValue(event.substring(2), List.class));
        poll.writeAndFlush(new OutPacketMessage(head, Transport.POLLING));
        assertNull(poll.readOutbound(), "one answer per poll, as netty-socketio's own encoder");
        poll.finishAndReleaseAll();
    }

    @Test
    void engineIo4SessionsAreLeftToNettySocketio() {
        ClientHead head = EmbeddedPolls.session("4");
        EmbeddedChannel poll = new EmbeddedChannel(encoder());
        OutPacketMessage message = new OutPacketMessage(head, Transport.POLLING);
        poll.writeAndFlush(message);
        assertSame(message, poll.readOutbound());
        poll.finishAndReleaseAll();
    }

    @Test
    void postedLengthsAreRecountedInCodePointsForNettySocketiosDecoder() {
        String event = "42[\"callUser\",{\"sdp\":\"é😀😀\"}]";
        assertEquals(30, event.length(), "each emoji counts 2");
        assertEquals("28:" + event + "1:2", Eio3PayloadLengths.inCodePoints("30:" + event + "1:2"));
    }

    @Test
    void payloadsWithoutCharactersBeyondTheBmpOrNotFramedAreLeftAlone() {
        assertNull(Eio3PayloadLengths.inCodePoints("5:42[1]"), "nothing to recount");
        assertNull(Eio3PayloadLengths.inCodePoints("42[\"😀\"]"), "no length: not a v3 text payload");
        assertNull(Eio3PayloadLengths.inCodePoints("99:42[\"😀\"]"), "a length beyond the payload");
        assertNull(Eio3PayloadLengths.inCodePoints("x:42[\"😀\"]"), "not a length");
    }

    private static Packet event(ClientHead head, String sdp) {
        Packet packet = new Packet(PacketType.MESSAGE, head.getEngineIOVersion());
        packet.setSubType(PacketType.EVENT);
        packet.setName("incomingCall");
        packet.setData(List.of(Map.of("sdp", sdp)));
        return packet;
    }

    private static Eio3PollingEncoder encoder() {
        return new Eio3PollingEncoder(new PacketEncoder(new Configuration(), new VerbatimJsonSupport()));
    }
}
