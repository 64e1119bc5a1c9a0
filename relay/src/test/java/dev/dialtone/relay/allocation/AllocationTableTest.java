package dev.dialtone.relay.allocation;

import static dev.dialtone.relay.allocation.AllocationTest.allocation;
import static dev.dialtone.relay.allocation.AllocationTest.tuple;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AllocationTableTest {

    private static final long T0 = 1_000_000;
    private final AllocationTable table = new AllocationTable(2, 3);

    @AfterEach
    void close() {
        table.removeAll();
    }

    private Allocation add(int port, String user) throws AllocationTable.Refused {
        return table.add(tuple(port), user, () -> allocation(tuple(port), user, T0));
    }

    private int refusal(int port, String user) {
        return assertThrows(AllocationTable.Refused.class, () -> add(port, user)).code();
    }

    @Test
    void findsByFiveTupleAndRefusesASecondOnTheSameOne() throws Exception {
        Allocation first = add(1, "alice");
        assertSame(first, table.find(tuple(1)));
        assertNull(table.find(tuple(2)));
        assertEquals(437, refusal(1, "alice"));
    }

    @Test
    void enforcesThePerUserAndTheTotalQuota() throws Exception {
        add(1, "alice");
        add(2, "alice");
        assertEquals(486, refusal(3, "alice"));
        add(3, "bob");
        assertEquals(508, refusal(4, "carol"));
    }

    @Test
    void removingGivesTheQuotaBackAndClosesTheRelaySocket() throws Exception {
        Allocation first = add(1, "alice");
        add(2, "alice");
        assertTrue(table.remove(first));
        assertFalse(first.relaySocket().isOpen());
        assertFalse(table.remove(first), "already gone");
        add(3, "alice");
        assertEquals(2, table.size());
    }

    @Test
    void noRelayPortMeans508() {
        int code = assertThrows(AllocationTable.Refused.class,
                () -> table.add(tuple(1), "alice", () -> {
                    throw new BindException("range full");
                })).code();
        assertEquals(508, code);
        assertEquals(0, table.size());
    }

    @Test
    void noSocketMeans508UnderItsOwnLimit() {
        AllocationTable.Refused refused = assertThrows(AllocationTable.Refused.class,
                () -> table.add(tuple(1), "alice", () -> {
                    throw new java.io.IOException("Too many open files");
                }));
        assertEquals(508, refused.code());
        assertEquals(AllocationLimit.SOCKETS, refused.limit().orElseThrow());
        assertEquals("cannot open a relay socket: Too many open files", refused.getMessage());
    }

    @Test
    void expireRemovesTheExpiredAndKeepsTheRest() throws Exception {
        Allocation old = add(1, "alice");
        Allocation refreshed = add(2, "alice");
        refreshed.refresh(T0 + 500_000, 600_000);
        assertEquals(List.of(old), table.expire(T0 + 600_000));
        assertSame(refreshed, table.find(tuple(2)));
        assertEquals(1, table.size());
    }
}
