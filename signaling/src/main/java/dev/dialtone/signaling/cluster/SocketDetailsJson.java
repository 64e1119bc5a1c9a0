package dev.dialtone.signaling.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dialtone.signaling.call.SocketDetails;
import java.time.Instant;

/** {@link SocketDetails} as stored in Redis, so that any node can show them. */
final class SocketDetailsJson {

    private final ObjectMapper json = new ObjectMapper();

    String write(SocketDetails details) {
        return json.createObjectNode()
                .put("transport", details.transport())
                .put("remoteAddress", details.remoteAddress())
                .put("connectedAt", details.connectedAt().toEpochMilli())
                .toString();
    }

    /** The details, or null when there are none or they cannot be read. */
    SocketDetails read(String stored) {
        if (stored == null || stored.isEmpty()) {
            return null;
        }
        try {
            JsonNode node = json.readTree(stored);
            return new SocketDetails(node.path("transport").asText(), node.path("remoteAddress").asText(),
                    Instant.ofEpochMilli(node.path("connectedAt").asLong()));
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
