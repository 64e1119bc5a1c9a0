package dev.dialtone.signaling.protocol;

/** {@code callRejected}, server → the calling socket; reason {@code declined} or {@code busy}. */
public record CallRejected(String from, String reason) {

    public static final String DECLINED = "declined";
    public static final String BUSY = "busy";
}
