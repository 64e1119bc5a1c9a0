package dev.dialtone.server.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BearerTokenTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private final BearerToken token = new BearerToken(TOKEN);

    @Test
    void admitsTheTokenWithTheSchemeInAnyCase() {
        assertTrue(token.admits("Bearer " + TOKEN));
        assertTrue(token.admits("bearer " + TOKEN));
        assertTrue(token.admits("BEARER  " + TOKEN + " "));
    }

    @Test
    void refusesAnythingElse() {
        assertFalse(token.admits(null));
        assertFalse(token.admits(""));
        assertFalse(token.admits("Bearer"));
        assertFalse(token.admits("Bearer "));
        assertFalse(token.admits(TOKEN));
        assertFalse(token.admits("Basic " + TOKEN));
        assertFalse(token.admits("Bearer " + TOKEN.substring(1)));
        assertFalse(token.admits("Bearer " + TOKEN + "0"));
        assertFalse(token.admits("Bearer " + TOKEN.toUpperCase()));
        assertFalse(token.admits("Bearer " + TOKEN + " ".repeat(1024)), "over the header bound");
    }
}
