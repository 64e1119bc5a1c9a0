package dev.dialtone.signaling.protocol;

import java.util.List;
import java.util.Map;

/**
 * The size in bytes of a decoded JSON value written back as compact UTF-8 JSON (what
 * {@code JSON.stringify} gives a client), counted by walking the value instead of serializing
 * it. Cheap enough for every offer and candidate; stops early once past a limit.
 */
public final class JsonSize {

    private JsonSize() {
    }

    /** The size, or some value above {@code limit} as soon as the size is known to exceed it. */
    public static long of(Object value, long limit) {
        return measure(value, 0, limit);
    }

    /**
     * Whether the value's JSON is larger than {@code limit} bytes. Most payloads are far below
     * their limit, and a string's JSON is at most six bytes per character, so a bound computed
     * from string lengths alone settles them without reading a single character of the SDP.
     */
    public static boolean exceeds(Object value, long limit) {
        return worstCase(value, 0, limit) > limit && of(value, limit) > limit;
    }

    /** An upper bound of the size: every character written as a six-byte escape. */
    private static long worstCase(Object value, long sofar, long limit) {
        if (sofar > limit) {
            return sofar;
        }
        if (value instanceof String s) {
            return sofar + 2 + 6L * s.length();
        }
        if (value instanceof Map<?, ?> map) {
            long size = sofar + 2 + map.size();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                size = worstCase(e.getValue(), size + 2 + 6L * String.valueOf(e.getKey()).length() + 1, limit);
            }
            return size;
        }
        if (value instanceof List<?> list) {
            long size = sofar + 2 + list.size();
            for (Object item : list) {
                size = worstCase(item, size, limit);
            }
            return size;
        }
        return sofar + String.valueOf(value).length();
    }

    private static long measure(Object value, long sofar, long limit) {
        if (sofar > limit) {
            return sofar;
        }
        if (value instanceof String s) {
            return sofar + string(s);
        }
        if (value instanceof Map<?, ?> map) {
            long size = sofar + 2 + Math.max(0, map.size() - 1);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                size = measure(e.getValue(), size + string(String.valueOf(e.getKey())) + 1, limit);
                if (size > limit) {
                    return size;
                }
            }
            return size;
        }
        if (value instanceof List<?> list) {
            long size = sofar + 2 + Math.max(0, list.size() - 1);
            for (Object item : list) {
                size = measure(item, size, limit);
                if (size > limit) {
                    return size;
                }
            }
            return size;
        }
        return sofar + String.valueOf(value).length();
    }

    /** A quoted JSON string: escapes as JSON.stringify writes them, other characters as UTF-8. */
    private static long string(String s) {
        long size = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                size += 2;
            } else if (c < 0x20) {
                size += 6;
            } else if (c < 0x80) {
                size += 1;
            } else if (c < 0x800) {
                size += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                size += 4;
                i++;
            } else {
                size += 3;
            }
        }
        return size;
    }
}
