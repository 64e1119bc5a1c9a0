package dev.dialtone.server.http;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Refused admin requests per client address, in fixed windows: an address with
 * {@link #MAX_FAILURES} refusals in the current window is turned away until the window ends,
 * however good its next token. Bounded: with {@link #MAX_ADDRESSES} addresses in the current
 * window, the others share one count.
 */
final class FailedAttempts {

    static final int MAX_FAILURES = 10;
    static final long WINDOW_NANOS = 60_000_000_000L;
    static final int MAX_ADDRESSES = 4096;
    /** The count every address beyond {@link #MAX_ADDRESSES} shares. */
    private static final String OVERFLOW = "overflow";

    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new HashMap<>();

    FailedAttempts(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** How long, in nanoseconds, {@code address} must wait before it may try again; 0 if it may now. */
    synchronized long blockedFor(InetAddress address) {
        long now = nanoTime.getAsLong();
        Window w = windows.get(keyOf(address, now));
        if (w == null || now - w.start >= WINDOW_NANOS || w.failures < MAX_FAILURES) {
            return 0;
        }
        return WINDOW_NANOS - (now - w.start);
    }

    /** Counts one refusal of {@code address}; true when it is now blocked. */
    synchronized boolean failed(InetAddress address) {
        long now = nanoTime.getAsLong();
        Window w = windows.compute(keyOf(address, now),
                (k, old) -> old == null || now - old.start >= WINDOW_NANOS ? new Window(now) : old);
        w.failures++;
        return w.failures >= MAX_FAILURES;
    }

    private String keyOf(InetAddress address, long now) {
        String key = address.getHostAddress();
        if (windows.containsKey(key) || windows.size() < MAX_ADDRESSES) {
            return key;
        }
        windows.values().removeIf(w -> now - w.start >= WINDOW_NANOS);
        return windows.size() < MAX_ADDRESSES ? key : OVERFLOW;
    }

    private static final class Window {
        final long start;
        int failures;

        Window(long start) {
            this.start = start;
        }
    }
}
