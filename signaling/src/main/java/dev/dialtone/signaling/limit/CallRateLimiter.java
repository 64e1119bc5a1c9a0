package dev.dialtone.signaling.limit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per user for {@code callUser}: bursts of up to {@code callsPerMinute}, refilled
 * at {@code callsPerMinute} a minute. Buckets are kept by user, not socket, so reconnecting does
 * not refill one; {@link #purgeIdle()} drops the full ones so idle users cost nothing.
 */
public final class CallRateLimiter {

    private static final long NANOS_PER_MINUTE = 60_000_000_000L;

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final double capacity;
    private final double tokensPerNano;
    private final LongSupplier nanoTime;

    public CallRateLimiter(int callsPerMinute, LongSupplier nanoTime) {
        if (callsPerMinute <= 0) {
            throw new IllegalArgumentException("calls-per-minute must be positive");
        }
        this.capacity = callsPerMinute;
        this.tokensPerNano = callsPerMinute / (double) NANOS_PER_MINUTE;
        this.nanoTime = nanoTime;
    }

    /** Takes one token for {@code userId}; false when the bucket is empty. */
    public boolean tryAcquire(String userId) {
        long now = nanoTime.getAsLong();
        boolean[] granted = new boolean[1];
        buckets.compute(userId, (id, bucket) -> {
            double tokens = bucket == null ? capacity : bucket.tokensAt(now, capacity, tokensPerNano);
            granted[0] = tokens >= 1;
            return new Bucket(granted[0] ? tokens - 1 : tokens, now);
        });
        return granted[0];
    }

    /** Forgets every bucket that has refilled completely. */
    public void purgeIdle() {
        long now = nanoTime.getAsLong();
        buckets.values().removeIf(b -> b.tokensAt(now, capacity, tokensPerNano) >= capacity);
    }

    /** Number of users currently tracked. */
    public int size() {
        return buckets.size();
    }

    private record Bucket(double tokens, long updatedAt) {
        double tokensAt(long now, double capacity, double tokensPerNano) {
            return Math.min(capacity, tokens + (now - updatedAt) * tokensPerNano);
        }
    }
}
