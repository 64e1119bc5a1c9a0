package dev.dialtone.signaling.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallRateLimiterTest {

    private final AtomicLong now = new AtomicLong();
    private final CallRateLimiter limiter = new CallRateLimiter(3, now::get);

    @Test
    void allowsABurstThenRefusesUntilRefilled() {
        assertTrue(limiter.tryAcquire("u"));
        assertTrue(limiter.tryAcquire("u"));
        assertTrue(limiter.tryAcquire("u"));
        assertFalse(limiter.tryAcquire("u"));

        now.addAndGet(20_000_000_000L); // a third of a minute refills one call
        assertTrue(limiter.tryAcquire("u"));
        assertFalse(limiter.tryAcquire("u"));
    }

    @Test
    void usersHaveTheirOwnBuckets() {
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire("spammer");
        }
        assertFalse(limiter.tryAcquire("spammer"));
        assertTrue(limiter.tryAcquire("someone-else"));
    }

    @Test
    void fullBucketsArePurged() {
        limiter.tryAcquire("a");
        limiter.tryAcquire("b");
        assertEquals(2, limiter.size());
        limiter.purgeIdle();
        assertEquals(2, limiter.size());

        now.addAndGet(60_000_000_000L);
        limiter.purgeIdle();
        assertEquals(0, limiter.size());
    }
}
