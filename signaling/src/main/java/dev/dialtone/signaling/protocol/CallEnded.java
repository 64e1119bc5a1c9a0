package dev.dialtone.signaling.protocol;

/** {@code callEnded}, server → the other party. */
public record CallEnded(String from, String reason) {

    public static final String HANGUP = "hangup";
    public static final String DISCONNECTED = "disconnected";
    public static final String NO_ANSWER = "no-answer";
    public static final String ANSWERED_ELSEWHERE = "answered-elsewhere";
    /** An operator ended the call through the admin API. */
    public static final String ENDED_BY_OPERATOR = "ended-by-operator";
}
