package dev.dialtone.signaling.call;

import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's INFO lines about calls: placed, answered, ended with reason and duration. Ids
 * and user ids only, never offers, answers, candidates or tokens. One format for the one-node
 * {@link Switchboard} and the cluster's sessions, so that a grep works on both.
 */
public final class CallLog {

    private static final Logger log = LoggerFactory.getLogger(CallLog.class);

    private CallLog() {
    }

    public static void placed(String callId, String callerId, String calleeId, CallType type, int ringingSockets) {
        log.info("call {} placed: {} -> {} ({}), ringing on {} socket(s)", callId, callerId, calleeId,
                type.wireName(), ringingSockets);
    }

    /** A call to a user with no connected device, announced to the app's backend to wake one. */
    public static void waking(String callId, String callerId, String calleeId, CallType type, Duration wait) {
        log.info("call {} placed: {} -> {} ({}), no device connected: waking through the app's push, waiting {}",
                callId, callerId, calleeId, type.wireName(), seconds(wait));
    }

    public static void answered(String callId, Duration setup) {
        log.info("call {} answered after {}", callId, seconds(setup));
    }

    /** A call that ended; {@code connected} is empty when it was never answered. */
    public static void ended(String callId, String callerId, String calleeId, String reason, Duration ringing,
                             Optional<Duration> connected) {
        log.info("call {} ended: {} ({} -> {}), {}", callId, reason, callerId, calleeId,
                connected.map(talk -> "connected for " + seconds(talk)).orElse("unanswered after " + seconds(ringing)));
    }

    /** A call refused at once, its callee being in another call. */
    public static void busy(String callerId, String calleeId) {
        log.info("call {} -> {} refused: busy", callerId, calleeId);
    }

    /** Tenths of a second, rounded half up; by hand, as String.format costs more than the log line. */
    static String seconds(Duration d) {
        long tenths = (Math.max(0, d.toMillis()) + 50) / 100;
        return tenths / 10 + "." + tenths % 10 + " s";
    }
}
