package dev.dialtone.signaling.protocol;

/** A request the server refuses; the client gets {@code code} and {@code message}. */
public final class SignalingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final boolean answeredByEvent;

    public SignalingException(ErrorCode code, String message) {
        this(code, message, false);
    }

    private SignalingException(ErrorCode code, String message, boolean answeredByEvent) {
        super(message, null, false, false);
        this.code = code;
        this.answeredByEvent = answeredByEvent;
    }

    /**
     * A refusal the client has already been told of by a call event (busy: {@code callRejected}),
     * so it needs no {@code error} event on top; an ack, if asked for, still carries it.
     */
    public static SignalingException answeredByEvent(ErrorCode code, String message) {
        return new SignalingException(code, message, true);
    }

    public ErrorCode code() {
        return code;
    }

    public boolean answeredByEvent() {
        return answeredByEvent;
    }
}
