package dev.dialtone.signaling.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IncomingCall;
import java.util.List;
import java.util.function.Supplier;

/**
 * An {@code incomingCall} rings every socket of the callee, each of which may have reached the
 * server by another host: the call sessions mint its {@code iceServers} once, and this puts each
 * socket's own URLs in just before it is sent. The payload is an {@link IncomingCall} from this node
 * or its JSON from another one (cluster mail).
 */
public final class IncomingCallUrls {

    private final IceUrls urls;

    public IncomingCallUrls(IceUrls urls) {
        this.urls = urls;
    }

    /** {@code reached} is asked only when the URLs differ by client: reading the headers costs. */
    public Object forClient(Object payload, Supplier<ReachedBy> reached) {
        if (!urls.perClient()) {
            return payload;
        }
        List<String> own = urls.forClient(reached.get());
        if (payload instanceof IncomingCall call) {
            List<IceServer> servers = call.iceServers().stream()
                    .map(s -> new IceServer(own, s.username(), s.credential())).toList();
            return new IncomingCall(call.from(), call.signalData(), call.callType(), call.callId(), servers);
        }
        if (payload instanceof ObjectNode json && json.path("iceServers").isArray()) {
            ObjectNode copy = json.deepCopy();
            for (JsonNode server : (ArrayNode) copy.get("iceServers")) {
                if (server instanceof ObjectNode s) {
                    ArrayNode list = s.putArray("urls");
                    own.forEach(list::add);
                }
            }
            return copy;
        }
        return payload;
    }
}
