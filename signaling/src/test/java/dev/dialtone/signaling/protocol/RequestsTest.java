package dev.dialtone.signaling.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.signaling.SignalingConfig.Limits;
import dev.dialtone.signaling.call.CallType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RequestsTest {

    private final Requests requests = new Requests(new Limits(100, 50, 3, 10, 4));

    @Test
    void acceptsTheSeedsCallUser() {
        Map<String, Object> offer = Map.of("type", "offer", "sdp", "v=0");
        Requests.CallUser req = requests.callUser(Map.of("to", "bob", "signalData", offer, "callType", "video"));
        assertEquals(new Requests.CallUser("bob", offer, CallType.VIDEO), req);
    }

    @Test
    void refusesMalformedPayloads() {
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser("bob"));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(null));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(List.of()));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(Map.of("signalData", Map.of(), "callType", "voice")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(Map.of("to", 7, "signalData", Map.of(), "callType", "voice")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(Map.of("to", "", "signalData", Map.of(), "callType", "voice")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(Map.of("to", "b", "callType", "voice")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(Map.of("to", "b", "signalData", 5, "callType", "voice")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(Map.of("to", "b", "signalData", Map.of(), "callType", "fax")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.callUser(Map.of("to", "b", "signalData", Map.of())));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.toPeer(Map.of("to", "x".repeat(257))));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.candidate(Map.of("to", "b")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.checkOnline(Map.of("userIds", "a")));
        assertCode(ErrorCode.INVALID_PAYLOAD, () -> requests.checkOnline(Map.of("userIds", List.of("a", 3))));
    }

    @Test
    void refusesOversizedSignalsAndLists() {
        assertCode(ErrorCode.PAYLOAD_TOO_LARGE, () -> requests.answerCall(
                Map.of("to", "a", "signalData", Map.of("type", "answer", "sdp", "x".repeat(100)))));
        assertCode(ErrorCode.PAYLOAD_TOO_LARGE, () -> requests.candidate(
                Map.of("to", "a", "candidate", Map.of("candidate", "x".repeat(50)))));
        assertCode(ErrorCode.PAYLOAD_TOO_LARGE, () -> requests.checkOnline(Map.of("userIds", List.of("a", "b", "c", "d"))));
    }

    @Test
    void sizeIsTheUtf8LengthOfCompactJson() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", List.of("abc", 12, true));
        nested.put("none", null);
        // {"list":["abc",12,true],"none":null}
        assertEquals(36, JsonSize.of(nested, 1000));
        assertEquals(2, JsonSize.of(Map.of(), 1000));
        assertEquals(2, JsonSize.of(List.of(), 1000));
        // "a\r\n\"\u0001é€😀" : quotes 2, a 1, \r\n 4, \" 2, \u0001 6, é 2, € 3, 😀 4
        assertEquals(24, JsonSize.of("a\r\n\"\u0001é€😀", 1000));
    }

    @Test
    void exceedsAgreesWithTheExactSizeAtTheBoundary() {
        String sdp = "v=0\r\na=é€😀\u0001" + "x".repeat(1000);
        long exact = JsonSize.of(Map.of("sdp", sdp), Long.MAX_VALUE);
        assertEquals(false, JsonSize.exceeds(Map.of("sdp", sdp), exact));
        assertEquals(true, JsonSize.exceeds(Map.of("sdp", sdp), exact - 1));
        assertEquals(false, JsonSize.exceeds(Map.of("sdp", sdp), 100 * exact));
    }

    @Test
    void sizeStopsCountingPastTheLimit() {
        assertTrue(JsonSize.of(List.of("x".repeat(100), "y".repeat(100)), 50) > 50);
    }

    private static void assertCode(ErrorCode code, Executable action) {
        assertEquals(code, assertThrows(SignalingException.class, action).code());
    }
}
