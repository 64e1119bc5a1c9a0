package dev.dialtone.signaling.cluster;

import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dialtone.signaling.call.Delivery;
import dev.dialtone.signaling.call.Outbox;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets events to the node that holds their sockets: this node's go straight to its {@link Outbox};
 * another node's are published, as JSON, on that node's Redis channel ({@code <prefix>node:<id>:events}),
 * which only that node subscribes to.
 *
 * <p>Publishing waits for Redis to take the message, so the events one client's requests cause
 * reach the other node in the order the requests came (pooled connections would not keep it).
 */
final class NodeMail implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeMail.class);

    private final RedissonClient redis;
    private final String keyPrefix;
    private final String node;
    private final Outbox local;
    /** Payloads are relayed verbatim, null members included, as VerbatimJsonSupport writes them. */
    private final ObjectMapper json = new ObjectMapper().setSerializationInclusion(Include.ALWAYS);
    private final RTopic inbox;
    private int listener = -1;

    NodeMail(RedissonClient redis, String keyPrefix, String node, Outbox local) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.node = node;
        this.local = local;
        this.inbox = channel(node);
    }

    /** Starts taking this node's events from Redis. */
    void open() {
        listener = inbox.addListener(String.class, (channel, message) -> receive(message));
    }

    /** Sends {@code deliveries}, all for sockets of {@code toNode}. */
    void send(String toNode, List<Delivery> deliveries) {
        if (toNode.equals(node)) {
            local.send(deliveries);
            return;
        }
        String message;
        try {
            message = json.writeValueAsString(deliveries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event not serializable", e);
        }
        if (channel(toNode).publish(message) == 0) {
            log.debug("node {} is not listening; {} event(s) dropped", toNode, deliveries.size());
        }
    }

    @Override
    public void close() {
        if (listener >= 0) {
            inbox.removeListener(listener);
        }
    }

    private void receive(String message) {
        List<Delivery> deliveries = new ArrayList<>();
        try {
            for (JsonNode d : json.readTree(message)) {
                deliveries.add(new Delivery(UUID.fromString(d.get("socket").asText()), d.get("event").asText(),
                        d.get("payload")));
            }
        } catch (JsonProcessingException | RuntimeException e) {
            log.error("unreadable message on {}: {}", inbox.getChannelNames(), e.toString());
            return;
        }
        local.send(deliveries);
    }

    private RTopic channel(String toNode) {
        return redis.getTopic(keyPrefix + "node:" + toNode + ":events", StringCodec.INSTANCE);
    }
}
