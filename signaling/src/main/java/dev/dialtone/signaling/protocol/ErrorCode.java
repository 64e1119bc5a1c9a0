package dev.dialtone.signaling.protocol;

/** The error codes a client sees in {@code error.code} of an ack or in an {@code error} event. */
public enum ErrorCode {
    UNAUTHORIZED,
    USER_OFFLINE,
    BUSY,
    INVALID_PAYLOAD,
    PAYLOAD_TOO_LARGE,
    NOT_IN_CALL,
    RATE_LIMITED,
    /** A fault of the server, never of the request; logged with its cause. */
    INTERNAL_ERROR
}
