package dev.dialtone.relay.allocation;

/**
 * What an Allocate ran into when the relay turned it down for lack of room, with the STUN error
 * code it is answered with (RFC 8656 section 7.2) and the metric label an operator reads it by.
 */
public enum AllocationLimit {
    /** The user id already holds {@code user-quota} allocations. */
    USER_QUOTA(486, "Allocation Quota Reached", "user_quota"),
    /** {@code total-quota} allocations are live. */
    TOTAL_QUOTA(508, "Insufficient Capacity", "total_quota"),
    /** Every port of {@code min-port}..{@code max-port} on the relay address is taken. */
    RELAY_PORTS(508, "Insufficient Capacity", "relay_ports"),
    /** The OS would not open a relay socket: the process's descriptor limit, most often. */
    SOCKETS(508, "Insufficient Capacity", "sockets");

    private final int code;
    private final String reason;
    private final String label;

    AllocationLimit(int code, String reason, String label) {
        this.code = code;
        this.reason = reason;
        this.label = label;
    }

    /** The STUN error code of the answer. */
    public int code() {
        return code;
    }

    /** The STUN reason phrase of the answer. */
    public String reason() {
        return reason;
    }

    /** The metric label value. */
    public String label() {
        return label;
    }
}
