package dev.dialtone.signaling.warmup;

import io.netty.channel.EventLoop;

/**
 * Two warm-up users calling each other back to back, as apps do: {@code callUser} with an offer,
 * the callee's {@code answerCall} and candidate, the caller's candidate and {@code endCall}, the
 * callee's {@code callEnded}; then the next call. Every few calls both reconnect, so that
 * connecting (the websocket upgrade, the token check) and disconnecting are compiled as well as
 * calling: after a restart, clients do all of it at once. Every other pair asks for
 * acknowledgements, so that both kinds of request are compiled; some pairs connect by long-polling
 * first and then upgrade to the websocket, as socket.io-client does by default. Confined to the client's one
 * event loop: every method runs there.
 */
final class WarmupPair implements WarmupSocket.Listener {

    /** Calls on one pair of connections before both reconnect. */
    private static final int CALLS_PER_CONNECTION = 10;

    /** What the pair reports: ready (both sockets in for the first time), each call done, or a failure. */
    interface Progress {
        void ready(WarmupPair pair);

        void callDone();

        void failed(String why);
    }

    /** A user and the token it connects with. */
    record User(String id, String token) {
    }

    private final User callerUser;
    private final User calleeUser;
    private final WarmupSdp sdp;
    private final boolean acks;
    private final Progress progress;
    private final EventLoop loop;
    private final WarmupTarget callerDoor;
    private final WarmupTarget calleeDoor;
    private final int maxFrameBytes;
    private final ClientStyle style;
    private final boolean pollingFirst;
    private WarmupSocket caller;
    private WarmupSocket callee;
    private int socketsIn;
    private int callsOnConnection;
    private boolean calling;
    private boolean video;
    private boolean over;

    WarmupPair(User caller, User callee, WarmupSdp sdp, ClientStyle style, boolean pollingFirst, boolean acks,
               Progress progress, EventLoop loop, WarmupTarget callerDoor, WarmupTarget calleeDoor, int maxFrameBytes) {
        this.style = style;
        this.pollingFirst = pollingFirst;
        this.callerUser = caller;
        this.calleeUser = callee;
        this.sdp = sdp;
        this.acks = acks;
        this.progress = progress;
        this.loop = loop;
        this.callerDoor = callerDoor;
        this.calleeDoor = calleeDoor;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Connects both users; {@link Progress#ready} follows once both are in. */
    void connect() {
        socketsIn = 0;
        caller = WarmupSocket.connect(loop, callerDoor, style, callerUser.token(), this, maxFrameBytes, pollingFirst);
        callee = WarmupSocket.connect(loop, calleeDoor, style, calleeUser.token(), this, maxFrameBytes, pollingFirst);
    }

    /** Places calls one after the other until {@link #close}. */
    void run() {
        calling = true;
        place();
    }

    /** The end of the warm-up: the sockets close, and nothing that follows is a failure. */
    void close() {
        over = true;
        caller.close();
        callee.close();
    }

    private void place() {
        video = !video;
        caller.emit("callUser", "{\"to\":\"" + calleeUser.id() + "\",\"signalData\":" + sdp.offer()
                + ",\"callType\":\"" + (video ? "video" : "voice") + "\"}", acks);
    }

    @Override
    public void onEvent(WarmupSocket socket, String event, String frame) {
        switch (event) {
            case "iceServers" -> {
                if (++socketsIn < 2) {
                    return;
                }
                if (calling) {
                    place(); // back after a reconnect
                } else {
                    progress.ready(this);
                }
            }
            case "incomingCall" -> {
                callee.emit("answerCall", "{\"to\":\"" + callerUser.id() + "\",\"signalData\":" + sdp.answer() + "}",
                        acks);
                callee.emit("iceCandidate", "{\"to\":\"" + callerUser.id() + "\",\"candidate\":" + sdp.candidate()
                        + "}", acks);
            }
            case "callAccepted" -> {
                caller.emit("iceCandidate", "{\"to\":\"" + calleeUser.id() + "\",\"candidate\":" + sdp.candidate()
                        + "}", acks);
                caller.emit("endCall", "{\"to\":\"" + calleeUser.id() + "\"}", acks);
            }
            case "callEnded" -> {
                progress.callDone();
                if (over) {
                    return;
                }
                if (++callsOnConnection < CALLS_PER_CONNECTION) {
                    place();
                } else {
                    callsOnConnection = 0;
                    caller.close();
                    callee.close();
                    connect();
                }
            }
            default -> {
                // iceCandidate from the other party: nothing to do with it
            }
        }
    }

    @Override
    public void onFailure(WarmupSocket socket, String why) {
        if (!over) {
            over = true;
            progress.failed((socket == caller ? callerUser.id() : calleeUser.id()) + ": " + why);
        }
    }
}
