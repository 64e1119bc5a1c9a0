package dev.dialtone.relay.allocation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BandwidthLimiterTest {

    @Test
    void allowsOneSecondOfBurstThenRefillsWithTime() {
        BandwidthLimiter limiter = new BandwidthLimiter(1000, 0);
        assertTrue(limiter.tryPass(600, 0));
        assertTrue(limiter.tryPass(400, 0));
        assertFalse(limiter.tryPass(1, 0));
        assertFalse(limiter.tryPass(200, 100), "100 ms refill 100 bytes");
        assertTrue(limiter.tryPass(100, 100));
        assertTrue(limiter.tryPass(1000, 5000), "refill stops at one second's worth");
        assertFalse(limiter.tryPass(1, 5000));
    }

    @Test
    void zeroMeansUnlimited() {
        BandwidthLimiter limiter = new BandwidthLimiter(0, 0);
        assertTrue(limiter.tryPass(Integer.MAX_VALUE, 0));
    }
}
