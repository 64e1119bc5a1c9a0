package dev.dialtone.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.dialtone.relay.CapturedLog;
import dev.dialtone.relay.DropReason;
import dev.dialtone.relay.RelayCounters;
import org.junit.jupiter.api.Test;

class InternalErrorsTest {

    @Test
    void everyOneIsCountedAndTheLogGrowsOnlyLogarithmically() {
        RelayCounters counters = new RelayCounters(() -> 0);
        InternalErrors errors = new InternalErrors(counters);
        try (CapturedLog log = CapturedLog.atLeast(Level.WARN)) {
            for (int i = 0; i < 1000; i++) {
                errors.dropped("client 192.0.2.1:5000", new IllegalStateException("bug #" + i));
            }
            assertEquals(1000, counters.droppedPackets(DropReason.INTERNAL_ERROR));
            assertEquals(1000, counters.droppedPackets());
            // the 1st, 2nd, 4th, ... 512th: ten lines, each naming the packet's source and the exception
            assertEquals(10, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).contains("client 192.0.2.1:5000")
                    && log.lines().get(0).contains("IllegalStateException: bug #0"), log.lines().get(0));
            assertTrue(log.lines().get(9).contains("bug #511"), log.lines().get(9));
        }
    }
}
