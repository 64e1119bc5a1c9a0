package dev.dialtone.relay.allocation;

/**
 * A token bucket holding up to one second of the allowed rate: short bursts pass, a sustained
 * excess is dropped as a congested link would drop it. Each direction of an allocation has its
 * own, used mostly by the one thread that forwards that direction; data hairpinned from another
 * allocation of the relay comes from that client's thread, so a limited bucket takes a lock
 * (uncontended nearly always). Unlimited, the default, takes none.
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
        synchronized (this) {
            return take(bytes, now);
        }
    }

    private boolean take(int bytes, long now) {
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
