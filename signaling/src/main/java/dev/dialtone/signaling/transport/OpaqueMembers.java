package dev.dialtone.signaling.transport;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.deser.std.UntypedObjectDeserializer;
import dev.dialtone.signaling.protocol.RawJson;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Decodes an event's payload as Jackson's untyped {@code Object} would (maps, lists, strings,
 * numbers), except that the object members the server only forwards ({@code signalData},
 * {@code candidate}) are cut out of the packet's bytes as {@link RawJson} instead of being built
 * into maps and serialized again: they are most of every call's bytes.
 *
 * <p>The bytes come from {@link #source}, the packet being decoded on this thread, so offsets in
 * the parser are offsets into it. Without a source (JSON that did not come from a packet) or for
 * a member that is not an object, it decodes as usual.
 */
final class OpaqueMembers extends StdDeserializer<Object> {

    private static final Set<String> OPAQUE = Set.of("signalData", "candidate");

    /** The packet being decoded on this thread, set around each read by {@link VerbatimJsonSupport}. */
    static final ThreadLocal<byte[]> source = new ThreadLocal<>();

    private final UntypedObjectDeserializer.Vanilla untyped = UntypedObjectDeserializer.Vanilla.std;

    OpaqueMembers() {
        super(Object.class);
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        byte[] bytes = source.get();
        if (bytes == null || !p.isExpectedStartObjectToken()) {
            return untyped.deserialize(p, ctxt);
        }
        Map<String, Object> members = new LinkedHashMap<>();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            if (value == JsonToken.START_OBJECT && OPAQUE.contains(name)) {
                members.put(name, cut(p, bytes));
            } else {
                members.put(name, untyped.deserialize(p, ctxt));
            }
        }
        return members;
    }

    /** The object under the parser, from its '{' to its '}', leaving the parser on the '}'. */
    private static RawJson cut(JsonParser p, byte[] bytes) throws IOException {
        long start = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long end = p.currentLocation().getByteOffset();
        if (start < 0 || end > bytes.length || end <= start) {
            throw new IOException("byte offsets unavailable for an opaque member");
        }
        return new RawJson(Arrays.copyOfRange(bytes, (int) start, (int) end));
    }
}
