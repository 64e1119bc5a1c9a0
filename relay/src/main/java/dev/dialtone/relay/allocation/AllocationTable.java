package dev.dialtone.relay.allocation;

import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every live allocation, by 5-tuple, and the quotas on them. Lookups (once per forwarded client
 * packet) read a concurrent map without locking; creating and removing allocations, which must
 * keep the per-user counts exact, synchronize on the table.
 */
public final class AllocationTable {

    private final ConcurrentHashMap<FiveTuple, Allocation> byFiveTuple = new ConcurrentHashMap<>();
    /** All relayed addresses share one address, so the port names the allocation. */
    private final ConcurrentHashMap<Integer, Allocation> byRelayedPort = new ConcurrentHashMap<>();
    private final Map<String, Integer> perUser = new HashMap<>();
    private final int userQuota;
    private final int totalQuota;

    /** Quotas of 0 mean unlimited. */
    public AllocationTable(int userQuota, int totalQuota) {
        this.userQuota = userQuota;
        this.totalQuota = totalQuota;
    }

    public Allocation find(FiveTuple fiveTuple) {
        return byFiveTuple.get(fiveTuple);
    }

    /** The allocation whose relayed address has {@code port}, or null. */
    public Allocation atRelayedPort(int port) {
        return byRelayedPort.get(port);
    }

    public int size() {
        return byFiveTuple.size();
    }

    /** True when a live allocation's relay socket is bound to {@code port}. */
    public boolean holdsRelayedPort(int port) {
        return byRelayedPort.containsKey(port);
    }

    /** At most {@code limit} of the live allocations (any of them) as an operator is shown them. */
    public List<AllocationView> views(int limit, long now) {
        List<AllocationView> views = new ArrayList<>(Math.min(limit, byFiveTuple.size()));
        for (Allocation allocation : byFiveTuple.values()) {
            if (views.size() == limit) {
                break;
            }
            views.add(allocation.view(now));
        }
        return views;
    }

    /**
     * Adds the allocation {@code factory} makes for {@code userId} at {@code fiveTuple}, within the
     * quotas.
     *
     * @throws Refused 437 when the 5-tuple already has one, 486 over the user's quota, 508 over
     *                 the total or when the factory finds no relay port or cannot open a socket
     */
    public synchronized Allocation add(FiveTuple fiveTuple, String userId, Factory factory) throws Refused {
        if (byFiveTuple.containsKey(fiveTuple)) {
            throw new Refused(437, "Allocation Mismatch");
        }
        int held = perUser.getOrDefault(userId, 0);
        if (userQuota > 0 && held >= userQuota) {
            throw new Refused(AllocationLimit.USER_QUOTA, "user-quota " + userQuota + " reached");
        }
        if (totalQuota > 0 && byFiveTuple.size() >= totalQuota) {
            throw new Refused(AllocationLimit.TOTAL_QUOTA, "total-quota " + totalQuota + " reached");
        }
        Allocation allocation;
        try {
            allocation = factory.create();
        } catch (BindException e) {
            throw new Refused(AllocationLimit.RELAY_PORTS, e.getMessage());
        } catch (IOException e) {
            throw new Refused(AllocationLimit.SOCKETS, "cannot open a relay socket: " + e.getMessage());
        }
        byFiveTuple.put(fiveTuple, allocation);
        byRelayedPort.put(allocation.relayedAddress().getPort(), allocation);
        perUser.put(userId, held + 1);
        return allocation;
    }

    /** Removes and closes {@code allocation}; false when it was already gone. */
    public synchronized boolean remove(Allocation allocation) {
        if (!byFiveTuple.remove(allocation.fiveTuple(), allocation)) {
            return false;
        }
        byRelayedPort.remove(allocation.relayedAddress().getPort(), allocation);
        perUser.computeIfPresent(allocation.userId(), (user, held) -> held > 1 ? held - 1 : null);
        allocation.close();
        return true;
    }

    /** Removes allocations whose lifetime is over and prunes the others; returns the removed. */
    public List<Allocation> expire(long now) {
        List<Allocation> expired = new ArrayList<>();
        for (Allocation allocation : byFiveTuple.values()) {
            if (!allocation.isLive(now)) {
                if (remove(allocation)) {
                    expired.add(allocation);
                }
            } else {
                allocation.pruneExpired(now);
            }
        }
        return expired;
    }

    public void removeAll() {
        for (Allocation allocation : byFiveTuple.values()) {
            remove(allocation);
        }
    }

    /** Makes the allocation once the quotas allow it; binding the relay socket may fail. */
    @FunctionalInterface
    public interface Factory {
        Allocation create() throws IOException;
    }

    /**
     * An Allocate the table turned down, with the STUN error code that says why, and the limit it
     * ran into when it was one.
     */
    public static final class Refused extends Exception {
        private final int code;
        private final String reason;
        private final AllocationLimit limit;

        public Refused(int code, String reason) {
            this(code, reason, null, reason);
        }

        /** @param detail what an operator is told: which limit, with its numbers */
        public Refused(AllocationLimit limit, String detail) {
            this(limit.code(), limit.reason(), limit, detail);
        }

        private Refused(int code, String reason, AllocationLimit limit, String detail) {
            super(detail, null, false, false);
            this.code = code;
            this.reason = reason;
            this.limit = limit;
        }

        public int code() {
            return code;
        }

        /** The STUN reason phrase. */
        public String reason() {
            return reason;
        }

        /** The limit reached, or empty when the request itself was wrong (437). */
        public Optional<AllocationLimit> limit() {
            return Optional.ofNullable(limit);
        }
    }
}
