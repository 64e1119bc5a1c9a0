package dev.dialtone.signaling.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallLogTest {

    @Test
    void durationsAreTenthsOfASecondRoundedHalfUp() {
        assertEquals("0.0 s", CallLog.seconds(Duration.ZERO));
        assertEquals("0.0 s", CallLog.seconds(Duration.ofMillis(49)));
        assertEquals("0.1 s", CallLog.seconds(Duration.ofMillis(50)));
        assertEquals("1.2 s", CallLog.seconds(Duration.ofMillis(1249)));
        assertEquals("1.3 s", CallLog.seconds(Duration.ofMillis(1250)));
        assertEquals("10.0 s", CallLog.seconds(Duration.ofMillis(9999)));
        assertEquals("3600.0 s", CallLog.seconds(Duration.ofHours(1)));
    }

    @Test
    void aClockThatWentBackwardsReadsAsNoTimeAtAll() {
        assertEquals("0.0 s", CallLog.seconds(Duration.ofMillis(-300)));
    }
}
