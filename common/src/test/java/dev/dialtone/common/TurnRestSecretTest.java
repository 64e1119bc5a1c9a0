package dev.dialtone.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TurnRestSecretTest {

    /*
     * Known vector, computed independently of this code with
     *   printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac 'north' -binary | base64
     */
    @Test
    void passwordMatchesAnIndependentHmacComputation() {
        TurnRestSecret secret = new TurnRestSecret("north");
        assertEquals("Cd/49soE35ICqcJF/bCTn8Z4OyE=", secret.passwordFor("1700000000:alice"));
    }

    @Test
    void mintedUsernameCarriesExpiryAndUser() {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L, 500_000_000), ZoneOffset.UTC);
        TurnCredentials c = new TurnRestSecret("north").mint("alice", Duration.ofHours(1), clock);
        assertEquals("1700003600:alice", c.username());
        assertEquals(Instant.ofEpochSecond(1_700_003_600L), c.expiresAt());
        assertEquals(new TurnRestSecret("north").passwordFor(c.username()), c.credential());
    }

    @Test
    void differentSecretsGiveDifferentPasswords() {
        assertFalse(new TurnRestSecret("a").passwordFor("1:u").equals(new TurnRestSecret("b").passwordFor("1:u")));
    }

    @Test
    void expiryIsReadFromTheUsername() {
        assertEquals(Optional.of(Instant.ofEpochSecond(42)), TurnRestSecret.expiryOf("42:bob"));
        assertEquals(Optional.of(Instant.ofEpochSecond(42)), TurnRestSecret.expiryOf("42"));
        assertEquals(Optional.of(Instant.ofEpochSecond(42)), TurnRestSecret.expiryOf("42:bob:with:colons"));
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf("bob:42"));
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf(":bob"));
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf("99999999999999999999:x"));
    }

    /*
     * 18 and 19 digits used to pass the length check and then overflow Instant (more than
     * 31556889864403199 s) or long (more than 9223372036854775807): an exception on the relay's
     * packet path for anyone who sends such a username.
     */
    @Test
    void anExpiryTooLargeForAClockIsNotATimestamp() {
        for (String hostile : new String[] {"999999999999999999:x", "31556889864403200:x",
                "9223372036854775807:x", "9223372036854775808:x", "9999999999999999999", "1000000000000:x"}) {
            assertEquals(Optional.empty(), TurnRestSecret.expiryOf(hostile), hostile);
            assertFalse(TurnRestSecret.isCurrent(hostile, Instant.EPOCH), hostile);
        }
        assertEquals(Optional.of(Instant.ofEpochSecond(999_999_999_999L)), TurnRestSecret.expiryOf("999999999999:x"));
        assertEquals(Optional.of(Instant.ofEpochSecond(42)), TurnRestSecret.expiryOf("000000000042:x"));
    }

    @Test
    void onlyAsciiDigitsMakeAnExpiry() {
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf("\u0664\u0662:bob")); // Arabic-Indic 42
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf("\uff14\uff12:bob")); // fullwidth 42
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf("+42:bob"));
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf("-42:bob"));
        assertEquals(Optional.empty(), TurnRestSecret.expiryOf(" 42:bob"));
    }

    @Test
    void currentOnlyBeforeExpiry() {
        assertTrue(TurnRestSecret.isCurrent("100:u", Instant.ofEpochSecond(99)));
        assertFalse(TurnRestSecret.isCurrent("100:u", Instant.ofEpochSecond(100)));
        assertFalse(TurnRestSecret.isCurrent("nonsense", Instant.ofEpochSecond(0)));
    }
}
