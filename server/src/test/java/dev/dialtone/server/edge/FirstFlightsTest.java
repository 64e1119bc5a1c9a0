package dev.dialtone.server.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FirstFlightsTest {

    private final EdgeCounters counters = new EdgeCounters();

    @Test
    void whenFullTheOldestMakesRoom() {
        try (FirstFlights flights = new FirstFlights(Duration.ofMinutes(1), 2, counters)) {
            Socket a = new Socket();
            Socket b = new Socket();
            Socket c = new Socket();
            flights.admit(a);
            flights.admit(b);
            flights.admit(c);
            assertTrue(a.isClosed(), "the oldest is closed");
            assertEquals(1, counters.refusedCount(EdgeCounters.Refusal.CROWDED));
            assertFalse(flights.done(a), "a closed one has not shown itself in time");
            assertTrue(flights.done(b));
            assertFalse(b.isClosed());
            assertEquals(1, flights.size());
        }
    }

    @Test
    void pastTheBoundAConnectionIsClosedAndCounted() throws InterruptedException {
        try (FirstFlights flights = new FirstFlights(Duration.ofMillis(200), 10, counters)) {
            Socket late = new Socket();
            Socket prompt = new Socket();
            flights.admit(late);
            flights.admit(prompt);
            assertTrue(flights.done(prompt));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!late.isClosed() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(late.isClosed(), "closed after its bound");
            assertEquals(1, counters.refusedCount(EdgeCounters.Refusal.TIMEOUT));
            assertFalse(flights.done(late));
            assertFalse(prompt.isClosed(), "one that showed itself is left alone");
            assertEquals(0, flights.size());
        }
    }
}
