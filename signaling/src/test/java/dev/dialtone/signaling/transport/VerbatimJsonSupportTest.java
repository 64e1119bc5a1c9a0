package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.corundumstudio.socketio.protocol.Event;
import dev.dialtone.signaling.protocol.RawJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a peer receives is the caller's JSON, byte for byte, however odd the JSON. */
class VerbatimJsonSupportTest {

    private static final String NS = "";

    /** Quotes, escapes, raw and escaped U+2028, a non-BMP character, nulls and numbers as written. */
    private static final String ODD = "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\na=x:\\\"q\\\" \\\\ \\t é✓😀 \u2028 \\u2028 \\u0000\","
            + "\"sdpMid\":null,\"n\":[1.50,-0,1e400,12345678901234567890],\"nested\":{\"a\":[{}],\"b\":\"}\"}}";

    private final VerbatimJsonSupport json = new VerbatimJsonSupport();

    @Test
    void signalDataIsPassedOnAsTheClientsBytes() throws Exception {
        json.addEventMapping(NS, "callUser", Object.class);
        // multi-byte characters before the member: byte and character offsets differ
        Event event = read("[\"callUser\",{\"to\":\"é😀bob\",\"signalData\":" + ODD + ",\"callType\":\"video\"}]");

        Map<?, ?> payload = assertInstanceOf(Map.class, event.getArgs().get(0));
        assertEquals("é😀bob", payload.get("to"));
        assertEquals("video", payload.get("callType"));
        RawJson signal = assertInstanceOf(RawJson.class, payload.get("signalData"));
        assertEquals(ODD, signal.json());
        assertEquals(ODD.getBytes(StandardCharsets.UTF_8).length, signal.size());
        assertEquals("[" + ODD + "]", write(List.of(signal)));
        assertEquals("{\"from\":\"a\",\"signalData\":" + ODD + "}", write(new Forwarded("a", signal)));
    }

    @Test
    void aMemberLargerThanTheParsersBufferIsCutWhole() throws Exception {
        json.addEventMapping(NS, "iceCandidate", Object.class);
        char[] filler = new char[50_000];
        Arrays.fill(filler, 'x');
        String candidate = "{\"candidate\":\"" + new String(filler) + "é\",\"sdpMLineIndex\":0}";
        Event event = read("[\"iceCandidate\",{\"to\":\"bob\",\"candidate\":" + candidate + "}]");

        Map<?, ?> payload = assertInstanceOf(Map.class, event.getArgs().get(0));
        assertEquals(candidate, assertInstanceOf(RawJson.class, payload.get("candidate")).json());
    }

    @Test
    void otherValuesDecodeAsUsual() throws Exception {
        json.addEventMapping(NS, "checkOnline", Object.class);
        Event event = read("[\"checkOnline\",{\"userIds\":[\"a\",\"b\"],\"signalData\":\"an SDP string\",\"nested\":{\"candidate\":{\"x\":1}}}]");

        Map<?, ?> payload = assertInstanceOf(Map.class, event.getArgs().get(0));
        assertEquals(List.of("a", "b"), payload.get("userIds"));
        assertEquals("an SDP string", payload.get("signalData"));
        assertEquals(Map.of("candidate", Map.of("x", 1)), payload.get("nested"));
    }

    record Forwarded(String from, Object signalData) {
    }

    private Event read(String packet) throws Exception {
        ByteBuf buf = Unpooled.copiedBuffer(packet, StandardCharsets.UTF_8);
        return json.readValue(NS, new ByteBufInputStream(buf), Event.class);
    }

    private String write(Object value) throws Exception {
        ByteBuf out = Unpooled.buffer();
        json.writeValue(new ByteBufOutputStream(out), value);
        return out.toString(StandardCharsets.UTF_8);
    }
}
