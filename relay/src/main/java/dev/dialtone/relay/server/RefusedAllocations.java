package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.AllocationLimit;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocate requests turned down at a limit: each one counted, and told to the operator in one log
 * line per limit and interval, not one per request. At capacity every client retries, so a line per
 * refusal would bury the log at the moment the operator reads it.
 */
final class RefusedAllocations {

    private static final Logger log = LoggerFactory.getLogger(RefusedAllocations.class);
    private static final Duration INTERVAL = Duration.ofMinutes(1);

    private final RelayCounters counters;
    private final Clock clock;
    /** Per limit: when the last line was logged (0: never), and the refusals counted when it was. */
    private final AtomicLongArray loggedAt = new AtomicLongArray(AllocationLimit.values().length);
    private final AtomicLongArray loggedCount = new AtomicLongArray(AllocationLimit.values().length);

    RefusedAllocations(RelayCounters counters, Clock clock) {
        this.counters = counters;
        this.clock = clock;
    }

    /** Counts one refusal; logs it when the limit has not been logged for {@link #INTERVAL}. */
    void refused(AllocationLimit limit, String detail, int liveAllocations) {
        counters.refused(limit);
        int i = limit.ordinal();
        long now = clock.millis();
        long last = loggedAt.get(i);
        if (last != 0 && now - last < INTERVAL.toMillis() || !loggedAt.compareAndSet(i, last, now)) {
            return;
        }
        long total = counters.refusedAllocations(limit);
        long since = total - loggedCount.getAndSet(i, total);
        String line = "Allocate answered {} {} ({}), {} allocations live; {} refused for this since {}; {}";
        Object[] values = {limit.code(), limit.reason(), detail, liveAllocations, since,
                last == 0 ? "start" : Duration.ofMillis(now - last).toSeconds() + " s ago", advice(limit)};
        if (limit == AllocationLimit.USER_QUOTA) {
            log.info(line, values); // one user's clients, not the relay, are at their limit
        } else {
            log.warn(line, values);
        }
    }

    private static String advice(AllocationLimit limit) {
        return switch (limit) {
            case USER_QUOTA -> "dialtone.relay.user-quota bounds one user id's allocations";
            case TOTAL_QUOTA -> "raise dialtone.relay.total-quota if the host has memory and ports to spare";
            case RELAY_PORTS -> "widen dialtone.relay.min-port/max-port (one port per allocation) or add relays";
            case SOCKETS -> "raise the process's descriptor limit (ulimit -n, LimitNOFILE=): one per UDP allocation,"
                    + " two per TCP/TLS one";
        };
    }
}
