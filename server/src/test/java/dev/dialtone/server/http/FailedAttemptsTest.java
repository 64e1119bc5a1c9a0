package dev.dialtone.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class FailedAttemptsTest {

    private long now = 1_000_000_000L;
    private final FailedAttempts attempts = new FailedAttempts(() -> now);

    @Test
    void anAddressIsBlockedAfterTheMaximumUntilItsWindowEnds() throws Exception {
        InetAddress mallory = InetAddress.getByName("192.0.2.1");
        InetAddress admin = InetAddress.getByName("192.0.2.2");
        for (int i = 1; i < FailedAttempts.MAX_FAILURES; i++) {
            assertFalse(attempts.failed(mallory), "failure " + i);
            assertEquals(0, attempts.blockedFor(mallory));
        }
        now += 10_000_000_000L;
        assertTrue(attempts.failed(mallory));
        assertEquals(FailedAttempts.WINDOW_NANOS - 10_000_000_000L, attempts.blockedFor(mallory));
        assertEquals(0, attempts.blockedFor(admin), "other addresses are not affected");

        now += FailedAttempts.WINDOW_NANOS - 10_000_000_000L;
        assertEquals(0, attempts.blockedFor(mallory), "a new window");
        assertFalse(attempts.failed(mallory));
    }

    @Test
    void addressesBeyondTheBoundShareOneCount() throws Exception {
        for (int i = 0; i < FailedAttempts.MAX_ADDRESSES; i++) {
            attempts.failed(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}));
        }
        InetAddress late1 = InetAddress.getByName("198.51.100.1");
        InetAddress late2 = InetAddress.getByName("198.51.100.2");
        for (int i = 0; i < FailedAttempts.MAX_FAILURES / 2; i++) {
            attempts.failed(late1);
            attempts.failed(late2);
        }
        assertTrue(attempts.blockedFor(late1) > 0);
        assertTrue(attempts.blockedFor(InetAddress.getByName("198.51.100.3")) > 0);

        now += FailedAttempts.WINDOW_NANOS;
        assertFalse(attempts.failed(late1), "expired windows make room again");
        assertEquals(0, attempts.blockedFor(late2));
    }
}
