package dev.dialtone.common;

/**
 * Range checks for settings, failing at start with the full key, the value and what is accepted,
 * rather than later in a listener or a limit that silently never applies.
 */
public final class SettingChecks {

    private SettingChecks() {
    }

    /** A TCP or UDP port; 0 asks the system for a free one. */
    public static void port(String key, int value) {
        if (value < 0 || value > 65535) {
            throw new IllegalArgumentException(key + " = " + value + ": not a port; give one from 1 to 65535");
        }
    }

    /** A count or size that must be at least 1. */
    public static void positive(String key, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " = " + value + ": must be 1 or more");
        }
    }
}
