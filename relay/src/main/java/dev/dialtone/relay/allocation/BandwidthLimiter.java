package dev.dialtone.relay.allocation;

/**
 * A token bucket holding up to one second of the allowed rate: short bursts pass, a sustained
 * excess is dropped as a congested link would drop it. Each direction of an allocation has its
 * own, used by the one thread that forwards that direction, so it needs no synchronization.
 */
public final class BandwidthLimiter {

    private final long bytesPerSecond;
    private long tokens;
    private long refilledAt;

    /** {@code bytesPerSecond} 0 means unlimited. */
    public BandwidthLimiter(long bytesPerSecond, long now) {
        this.bytesPerSecond = bytesPerSecond;
        this.tokens = bytesPerSecond;
        this.refilledAt = now;
    }

    /** True when {@code bytes} may pass at {@code now} (epoch millis), and takes them. */
    public boolean tryPass(int bytes, long now) {
        if (bytesPerSecond == 0) {
            return true;
        }
        if (now > refilledAt) {
            tokens = Math.min(bytesPerSecond, tokens + (now - refilledAt) * bytesPerSecond / 1000);
            refilledAt = now;
        }
        if (tokens < bytes) {
            return false;
        }
        tokens -= bytes;
        return true;
    }
}
