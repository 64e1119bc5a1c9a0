package dev.dialtone.signaling.protocol;

import java.util.List;
import java.util.Map;

/**
 * The size of a decoded JSON value as it would be written back, counted by walking it: cheap
 * enough to run on every offer and candidate, and close enough to bound what one client may
 * make the server hold and forward. Escapes are not counted; characters are.
 */
public final class JsonSize {

    private JsonSize() {
    }

    /** Size in characters; stops counting once {@code limit} is passed and returns a value above it. */
    public static long of(Object value, long limit) {
        return measure(value, 0, limit);
    }

    private static long measure(Object value, long sofar, long limit) {
        if (sofar > limit) {
            return sofar;
        }
        if (value instanceof String s) {
            return sofar + s.length() + 2;
        }
        if (value instanceof Map<?, ?> map) {
            long size = sofar + 2;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                size = measure(e.getValue(), size + String.valueOf(e.getKey()).length() + 4, limit);
                if (size > limit) {
                    return size;
                }
            }
            return size;
        }
        if (value instanceof List<?> list) {
            long size = sofar + 2;
            for (Object item : list) {
                size = measure(item, size + 1, limit);
                if (size > limit) {
                    return size;
                }
            }
            return size;
        }
        return sofar + String.valueOf(value).length();
    }
}
