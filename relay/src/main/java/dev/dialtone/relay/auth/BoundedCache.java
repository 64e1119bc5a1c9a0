package dev.dialtone.relay.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A cache of at most {@code bound} entries that is emptied when full, for values that can always
 * be recomputed. Emptying rather than evicting one entry keeps it free of locks and bookkeeping:
 * a flood of distinct keys can only cost a recomputation, never memory. Threads that put at the
 * same moment can each pass the check, so the bound may be exceeded by one entry per such thread.
 */
final class BoundedCache<K, V> {

    private final int bound;
    private final ConcurrentHashMap<K, V> entries = new ConcurrentHashMap<>();

    BoundedCache(int bound) {
        if (bound < 1) {
            throw new IllegalArgumentException("a cache must hold at least one entry, not " + bound);
        }
        this.bound = bound;
    }

    /** The value put for {@code key}, or null if it was never put or the cache was emptied since. */
    V get(K key) {
        return entries.get(key);
    }

    void put(K key, V value) {
        if (entries.size() >= bound) {
            entries.clear();
        }
        entries.put(key, value);
    }
}
