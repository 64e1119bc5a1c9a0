package dev.dialtone.signaling.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * call-sessions.lua, the transitions of presence and call sessions, run atomically in Redis.
 * Redisson sends it by its SHA once Redis has it (the client's script cache).
 */
final class CallSessionScript {

    private static final String SOURCE = "call-sessions.lua";

    private final RScript script;
    private final String lua;
    private final List<Object> keys;

    CallSessionScript(RedissonClient redis, String keyPrefix) {
        this.script = redis.getScript(StringCodec.INSTANCE);
        this.lua = load();
        this.keys = List.of(keyPrefix);
    }

    /** Runs {@code op} with {@code args} (turned into strings). */
    Outcome run(String op, Object... args) {
        Object[] argv = new Object[args.length + 1];
        argv[0] = op;
        for (int i = 0; i < args.length; i++) {
            argv[i + 1] = String.valueOf(args[i]);
        }
        List<Object> reply = script.eval(RScript.Mode.READ_WRITE, lua, RScript.ReturnType.MULTI, keys, argv);
        return Outcome.of(reply);
    }

    /** An event for one socket, decided by the script; its payload is built by the caller. */
    record Addressed(String node, UUID socket, String event, String from, String reason) {
    }

    /**
     * A call the script ended; times in epoch milliseconds, {@code connectedAt} 0 when never answered;
     * {@code endedBy} the user whose act or disconnect ended it, null when the server did.
     */
    record EndedCall(String callId, String callerId, String calleeId, String reason, long placedAt, long connectedAt,
                     String type, boolean waking, String endedBy) {
    }

    /**
     * What a transition decided.
     *
     * @param status ok, or why not (an error code, FULL, CALLEE_BUSY, lapsed)
     * @param value  the operation's result (call id, count), empty when none
     * @param ended  reasons of the calls it ended
     * @param sends  events for sockets, in order
     * @param extra  a second result: list or string, by operation
     * @param endedCalls the calls it ended, for the log
     */
    record Outcome(String status, String value, List<String> ended, List<Addressed> sends, Object extra,
                   List<EndedCall> endedCalls) {

        boolean ok() {
            return "ok".equals(status);
        }

        @SuppressWarnings("unchecked")
        static Outcome of(List<Object> reply) {
            List<Object> flat = (List<Object>) reply.get(3);
            List<Addressed> sends = new ArrayList<>(flat.size() / 5);
            for (int i = 0; i < flat.size(); i += 5) {
                sends.add(new Addressed((String) flat.get(i), UUID.fromString((String) flat.get(i + 1)),
                        (String) flat.get(i + 2), (String) flat.get(i + 3), (String) flat.get(i + 4)));
            }
            List<Object> calls = (List<Object>) reply.get(5);
            List<EndedCall> endedCalls = new ArrayList<>(calls.size() / 9);
            for (int i = 0; i < calls.size(); i += 9) {
                String endedBy = (String) calls.get(i + 8);
                endedCalls.add(new EndedCall((String) calls.get(i), (String) calls.get(i + 1), (String) calls.get(i + 2),
                        (String) calls.get(i + 3), millis(calls.get(i + 4)), millis(calls.get(i + 5)),
                        (String) calls.get(i + 6), "1".equals(calls.get(i + 7)), endedBy.isEmpty() ? null : endedBy));
            }
            return new Outcome((String) reply.get(0), (String) reply.get(1), (List<String>) (List<?>) reply.get(2),
                    sends, reply.get(4), endedCalls);
        }

        private static long millis(Object text) {
            return ((String) text).isEmpty() ? 0 : Long.parseLong((String) text);
        }
    }

    private static String load() {
        try (InputStream in = CallSessionScript.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SOURCE + " missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
