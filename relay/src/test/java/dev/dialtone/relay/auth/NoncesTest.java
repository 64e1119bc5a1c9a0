package dev.dialtone.relay.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dialtone.relay.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NoncesTest {

    private final MutableClock clock = new MutableClock();
    private final Nonces nonces = new Nonces(clock, Duration.ofMinutes(10));

    @Test
    void aNonceIsValidForItsLifetimeThenStale() {
        String nonce = nonces.issue();
        assertEquals(Nonces.Validity.VALID, nonces.check(nonce));
        clock.advance(Duration.ofMinutes(10));
        assertEquals(Nonces.Validity.STALE, nonces.check(nonce));
    }

    @Test
    void anAlteredOrForeignNonceIsForged() {
        String nonce = nonces.issue();
        char last = nonce.charAt(nonce.length() - 1);
        assertEquals(Nonces.Validity.FORGED, nonces.check(nonce.substring(0, nonce.length() - 1) + (last == '0' ? '1' : '0')));
        // pushing the expiry forward breaks the signature
        assertEquals(Nonces.Validity.FORGED, nonces.check("7fffffffffffffff" + nonce.substring(16)));
        assertEquals(Nonces.Validity.FORGED, new Nonces(clock, Duration.ofMinutes(10)).check(nonce));
        assertEquals(Nonces.Validity.FORGED, nonces.check("not a nonce"));
    }
}
