package dev.dialtone.signaling.protocol;

import dev.dialtone.signaling.SignalingConfig.Limits;
import dev.dialtone.signaling.call.CallType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the decoded payloads of client events into checked requests. Everything a client sends
 * passes through here first: a payload that is not an object, a field that is missing or of the
 * wrong type, or one over its size limit becomes a {@link SignalingException} with the code the
 * client sees, never a crash or a silent drop.
 */
public final class Requests {

    /** Longest user id accepted anywhere; ids are opaque strings chosen by the app. */
    public static final int MAX_USER_ID_LENGTH = 256;

    /** {@code callUser}. */
    public record CallUser(String to, Object signalData, CallType callType) {
    }

    /** {@code answerCall}. */
    public record AnswerCall(String to, Object signalData) {
    }

    /** {@code rejectCall} and {@code endCall}: only the other party is named. */
    public record ToPeer(String to) {
    }

    /** {@code iceCandidate}. */
    public record Candidate(String to, Object candidate) {
    }

    /** {@code checkOnline}. */
    public record CheckOnline(List<String> userIds) {
    }

    private final Limits limits;

    public Requests(Limits limits) {
        this.limits = limits;
    }

    public CallUser callUser(Object payload) {
        Map<?, ?> p = object(payload);
        String to = userId(p, "to");
        Object signalData = signal(p, "signalData", limits.maxSignalBytes());
        Object type = p.get("callType");
        CallType callType = CallType.fromWire(type).orElseThrow(() -> invalid(
                "callType must be 'voice' or 'video'"));
        return new CallUser(to, signalData, callType);
    }

    public AnswerCall answerCall(Object payload) {
        Map<?, ?> p = object(payload);
        return new AnswerCall(userId(p, "to"), signal(p, "signalData", limits.maxSignalBytes()));
    }

    public ToPeer toPeer(Object payload) {
        return new ToPeer(userId(object(payload), "to"));
    }

    public Candidate candidate(Object payload) {
        Map<?, ?> p = object(payload);
        return new Candidate(userId(p, "to"), signal(p, "candidate", limits.maxCandidateBytes()));
    }

    public CheckOnline checkOnline(Object payload) {
        Object ids = object(payload).get("userIds");
        if (!(ids instanceof List<?> list)) {
            throw invalid("userIds must be an array of user ids");
        }
        if (list.size() > limits.maxCheckOnline()) {
            throw new SignalingException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "userIds has " + list.size() + " entries, limit " + limits.maxCheckOnline());
        }
        List<String> userIds = new ArrayList<>(list.size());
        for (Object id : list) {
            userIds.add(checkedUserId(id, "userIds[]"));
        }
        return new CheckOnline(userIds);
    }

    private static Map<?, ?> object(Object payload) {
        if (payload instanceof Map<?, ?> map) {
            return map;
        }
        throw invalid("payload must be an object");
    }

    private static String userId(Map<?, ?> payload, String field) {
        return checkedUserId(payload.get(field), field);
    }

    private static String checkedUserId(Object value, String field) {
        if (!(value instanceof String id) || id.isEmpty()) {
            throw invalid(field + " must be a non-empty string");
        }
        if (id.length() > MAX_USER_ID_LENGTH) {
            throw invalid(field + " is longer than " + MAX_USER_ID_LENGTH + " characters");
        }
        return id;
    }

    /**
     * Offer, answer or candidate: an object (or an SDP string), passed on untouched. Objects
     * usually arrive as the client's bytes ({@link RawJson}), measured by their length.
     */
    private static Object signal(Map<?, ?> payload, String field, int maxBytes) {
        Object value = payload.get(field);
        if (!(value instanceof RawJson) && !(value instanceof Map) && !(value instanceof String)) {
            throw invalid(field + " must be an object");
        }
        boolean tooLarge = value instanceof RawJson raw ? raw.size() > maxBytes : JsonSize.exceeds(value, maxBytes);
        if (tooLarge) {
            throw new SignalingException(ErrorCode.PAYLOAD_TOO_LARGE,
                    field + " is larger than the limit of " + maxBytes + " bytes");
        }
        return value;
    }

    private static SignalingException invalid(String message) {
        return new SignalingException(ErrorCode.INVALID_PAYLOAD, message);
    }
}
