package dev.dialtone.signaling.protocol;

/** Event names of the wire protocol (docs/signaling-protocol.md). */
public final class Events {

    public static final String CALL_USER = "callUser";
    public static final String INCOMING_CALL = "incomingCall";
    public static final String ANSWER_CALL = "answerCall";
    public static final String CALL_ACCEPTED = "callAccepted";
    public static final String REJECT_CALL = "rejectCall";
    public static final String CALL_REJECTED = "callRejected";
    public static final String END_CALL = "endCall";
    public static final String CALL_ENDED = "callEnded";
    public static final String ICE_CANDIDATE = "iceCandidate";
    public static final String ICE_SERVERS = "iceServers";
    public static final String GET_ICE_SERVERS = "getIceServers";
    public static final String CHECK_ONLINE = "checkOnline";
    public static final String ERROR = "error";

    private Events() {
    }
}
