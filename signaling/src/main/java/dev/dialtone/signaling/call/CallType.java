package dev.dialtone.signaling.call;

import java.util.Optional;

/** What the caller asked for; the wire names are the seed's. */
public enum CallType {
    VOICE("voice"),
    VIDEO("video");

    private final String wireName;

    CallType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<CallType> fromWire(Object value) {
        for (CallType type : values()) {
            if (type.wireName.equals(value)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
