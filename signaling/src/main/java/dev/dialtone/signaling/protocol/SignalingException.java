package dev.dialtone.signaling.protocol;

/** A request the server refuses; the client gets {@code code} and {@code message}. */
public final class SignalingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public SignalingException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
