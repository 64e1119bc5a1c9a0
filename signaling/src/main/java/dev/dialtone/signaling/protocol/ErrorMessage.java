package dev.dialtone.signaling.protocol;

/** The {@code error} event, and the {@code error} member of a failed ack. */
public record ErrorMessage(String message, ErrorCode code) {

    public static ErrorMessage of(SignalingException e) {
        return new ErrorMessage(e.getMessage(), e.code());
    }
}
