package dev.dialtone.relay;

/**
 * Why a packet from a client or a peer was not relayed nor answered, one counter each (as pion/turn
 * names its errors): an operator reads from the metrics whether drops are clients' mistakes, policy
 * at work, or a fault of the relay.
 */
public enum DropReason {
    /** Neither STUN nor ChannelData, or framed so but with an inconsistent length or attribute. */
    MALFORMED("malformed"),
    /** A STUN indication other than Send, or a response: nothing for a relay to do with it. */
    UNHANDLED_STUN("unhandled_stun"),
    /** Data from a client that has no allocation on this 5-tuple. */
    NO_ALLOCATION("no_allocation"),
    /** ChannelData on a channel the allocation has not bound (or whose binding expired). */
    NO_CHANNEL("no_channel"),
    /** To or from a peer the allocation has no permission for. */
    NO_PERMISSION("no_permission"),
    /** Over the allocation's {@code max-bytes-per-second} in that direction. */
    BANDWIDTH("bandwidth"),
    /** The allocation ended while the packet was on its way. */
    ALLOCATION_CLOSED("allocation_closed"),
    /** The kernel refused the send (peer unreachable, port 0, buffer full). */
    SEND_FAILED("send_failed"),
    /** A runtime exception while handling the packet: a relay bug, logged with its stack trace. */
    INTERNAL_ERROR("internal_error"),
    /**
     * For a TCP or TLS client that reads more slowly than it is sent to: its write queue was full
     * (relayed data and STUN answers alike; the client is disconnected if it stays so).
     */
    CLIENT_SLOW("client_slow");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    /** The metric label value. */
    public String label() {
        return label;
    }
}
