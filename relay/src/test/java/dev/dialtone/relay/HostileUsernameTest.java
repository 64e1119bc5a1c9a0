package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ch.qos.logback.classic.Level;
import dev.dialtone.common.TurnRestSecret;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.ice4j.attribute.Attribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;

/**
 * Usernames whose expiry no clock can hold (18 to 20 digits) are refused like any bad credential:
 * 401 with REALM and a fresh NONCE, never an exception on the relay's packet path. Over TCP the
 * connection then still serves the same client.
 */
class HostileUsernameTest {

    private static final TurnRestSecret SECRET = new TurnRestSecret(RelayUnderTest.SECRET);
    /** Past Instant's range (18 digits), at and past long's (19 digits), and beyond (20). */
    private static final List<String> HOSTILE = List.of("999999999999999999:mallory", "9223372036854775807:mallory",
            "9223372036854775808", "99999999999999999999:mallory");

    @Test
    void overUdpEachIsAnswered401() throws Exception {
        try (CapturedLog errors = CapturedLog.atLeast(Level.ERROR);
             RelayUnderTest relay = RelayUnderTest.start(Map.of());
             TestClient client = TestClient.udp(relay.address())) {
            assertRefusedWith401(client);
            assertEquals(List.of(), errors.lines());
        }
    }

    @Test
    void overTcpEachIsAnswered401AndTheConnectionThenAllocates() throws Exception {
        try (CapturedLog errors = CapturedLog.atLeast(Level.ERROR);
             RelayUnderTest relay = RelayUnderTest.start(Map.of());
             TestClient client = TestClient.tcp(relay.address())) {
            assertRefusedWith401(client);
            client.useCredentials(SECRET.mint("mallory", Duration.ofHours(1), Clock.systemUTC()));
            assertSuccess(client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false)));
            assertEquals(List.of(), errors.lines());
        }
    }

    /** Signed with the right password for the username: only the expiry can make it fail. */
    private static void assertRefusedWith401(TestClient client) throws Exception {
        for (String username : HOSTILE) {
            client.useCredentials(username, SECRET.passwordFor(username));
            Message response = client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false));
            assertEquals(401, TestClient.errorCode(response), username);
            assertNotNull(response.getAttribute(Attribute.REALM), username);
            assertNotNull(response.getAttribute(Attribute.NONCE), username);
        }
    }
}
