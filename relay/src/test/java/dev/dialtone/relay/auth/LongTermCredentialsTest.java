package dev.dialtone.relay.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.dialtone.common.TurnCredentials;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.MutableClock;
import dev.dialtone.relay.stun.MessageIntegrity;
import dev.dialtone.relay.stun.StunRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;

class LongTermCredentialsTest {

    private static final String REALM = "example.org";
    private final MutableClock clock = new MutableClock();
    private final TurnRestSecret secret = new TurnRestSecret("s3cret");
    private final Nonces nonces = new Nonces(clock, Duration.ofMinutes(10));
    private final LongTermCredentials credentials = new LongTermCredentials(secret, REALM, nonces, clock);

    private StunRequest request(String username, String realm, String nonce, byte[] key) throws Exception {
        Message allocate = MessageFactory.createAllocateRequest((byte) 17, false);
        allocate.setTransactionID(new byte[12]);
        if (username != null) {
            allocate.putAttribute(AttributeFactory.createUsernameAttribute(username));
            allocate.putAttribute(AttributeFactory.createRealmAttribute(realm.getBytes(StandardCharsets.UTF_8)));
            allocate.putAttribute(AttributeFactory.createNonceAttribute(nonce.getBytes(StandardCharsets.UTF_8)));
        }
        return StunRequest.parse(MessageIntegrity.seal(allocate.encode(null), key));
    }

    private LongTermCredentials.Outcome check(TurnCredentials c, String password, String realm, String nonce) throws Exception {
        return credentials.check(request(c.username(), realm, nonce,
                LongTermCredentials.key(c.username(), realm, password)));
    }

    @Test
    void theKeyIsMd5OfUsernameRealmAndPassword() {
        // RFC 5769 section 2.4 uses the same construction: MD5("user:realm:pass")
        assertEquals("8493fbc53ba582fb4c044c456bdc40eb",
                HexFormat.of().formatHex(LongTermCredentials.key("user", "realm", "pass")));
    }

    @Test
    void acceptsMintedCredentialsAndNamesTheUser() throws Exception {
        TurnCredentials minted = secret.mint("alice", Duration.ofHours(1), clock);
        LongTermCredentials.Accepted accepted = assertInstanceOf(LongTermCredentials.Accepted.class,
                check(minted, minted.credential(), REALM, nonces.issue()));
        assertEquals("alice", accepted.userId());
        assertEquals(minted.username(), accepted.username());
    }

    @Test
    void rejectsWhatIsWrongWithTheCodeAClientActsOn() throws Exception {
        TurnCredentials minted = secret.mint("alice", Duration.ofHours(1), clock);
        String nonce = nonces.issue();
        assertEquals(401, code(credentials.check(request(null, null, null, null))), "no credentials");
        assertEquals(400, code(credentials.check(request(null, null, null, new byte[16]))), "MI without username");
        assertEquals(401, code(check(minted, "wrong", REALM, nonce)), "wrong password");
        assertEquals(401, code(check(minted, minted.credential(), "other-realm", nonce)), "wrong realm");
        assertEquals(438, code(check(minted, minted.credential(), REALM, "ffff")), "unknown nonce");
        TurnCredentials expired = secret.mint("alice", Duration.ofSeconds(30), clock);
        clock.advance(Duration.ofSeconds(31));
        assertEquals(401, code(check(expired, expired.credential(), REALM, nonces.issue())), "expired username");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(438, code(check(minted, minted.credential(), REALM, nonce)), "stale nonce");
    }

    @Test
    void aUsernameAuthenticatedBeforeStillNeedsTheRightPassword() throws Exception {
        TurnCredentials minted = secret.mint("alice", Duration.ofHours(1), clock);
        String nonce = nonces.issue();
        assertInstanceOf(LongTermCredentials.Accepted.class, check(minted, minted.credential(), REALM, nonce));
        // the second request of the same username is checked with the key kept from the first
        assertInstanceOf(LongTermCredentials.Accepted.class, check(minted, minted.credential(), REALM, nonce));
        assertEquals(401, code(check(minted, "wrong", REALM, nonce)), "wrong password, same username");
        clock.advance(Duration.ofHours(2));
        assertEquals(401, code(check(minted, minted.credential(), REALM, nonces.issue())), "expired since");
    }

    private static int code(LongTermCredentials.Outcome outcome) {
        return assertInstanceOf(LongTermCredentials.Rejected.class, outcome).code();
    }
}
