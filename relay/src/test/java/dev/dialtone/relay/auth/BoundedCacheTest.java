package dev.dialtone.relay.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BoundedCacheTest {

    private static final int BOUND = 4;
    private final BoundedCache<String, Integer> cache = new BoundedCache<>(BOUND);

    private long held(int keysPut) {
        return IntStream.range(0, keysPut).filter(i -> cache.get("key" + i) != null).count();
    }

    @Test
    void holdsWhatWasPut() {
        cache.put("key0", 0);
        cache.put("key1", 1);
        cache.put("key0", 10);
        assertEquals(10, cache.get("key0"));
        assertEquals(1, cache.get("key1"));
        assertNull(cache.get("key2"));
    }

    @Test
    void neverHoldsMoreThanItsBound() {
        for (int i = 0; i < 10 * BOUND; i++) {
            cache.put("key" + i, i);
            long held = held(i + 1);
            assertTrue(held <= BOUND, held + " entries held after " + (i + 1) + " puts");
        }
    }

    @Test
    void aKeyPutWhenFullIsHeld() {
        for (int i = 0; i < BOUND; i++) {
            cache.put("key" + i, i);
        }
        assertEquals(BOUND, held(BOUND));
        cache.put("late", 99);
        assertEquals(99, cache.get("late"));
    }

    @Test
    void aCacheThatHoldsNothingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BoundedCache<String, Integer>(0));
    }
}
