package dev.dialtone.relay.server;

import dev.dialtone.relay.DropReason;
import dev.dialtone.relay.RelayCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A runtime exception while handling one packet is a relay bug or an input nobody foresaw. It must
 * cost that packet only, never the UDP loop or a healthy TCP connection, and it must be seen: the
 * packet is counted as an {@link DropReason#INTERNAL_ERROR} drop, and the exception logged with its
 * stack trace on the 1st, 2nd, 4th, 8th... occurrence, so that hostile input repeating it cannot
 * flood the log.
 */
final class InternalErrors {

    private static final Logger log = LoggerFactory.getLogger(InternalErrors.class);

    private final RelayCounters counters;

    InternalErrors(RelayCounters counters) {
        this.counters = counters;
    }

    /** Counts the packet handled for {@code where} (a 5-tuple, an allocation) as dropped on {@code e}. */
    void dropped(Object where, RuntimeException e) {
        counters.dropped(DropReason.INTERNAL_ERROR);
        long occurrences = counters.droppedPackets(DropReason.INTERNAL_ERROR);
        if (Long.bitCount(occurrences) == 1) {
            log.warn("{}: packet dropped on an internal error, {} so far (metric dialtone_relay_dropped_packets_total,"
                    + " reason internal_error)", where, occurrences, e);
        }
    }
}
