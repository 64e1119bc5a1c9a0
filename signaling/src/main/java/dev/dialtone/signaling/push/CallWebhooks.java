package dev.dialtone.signaling.push;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dialtone.signaling.call.CallEvent;
import dev.dialtone.signaling.call.CallEventSink;
import dev.dialtone.signaling.call.CallType;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Call events as Standard Webhooks to the app's backend (dialtone.push): each one of a configured
 * type is stored in the {@link WebhookStore} through the {@link OutboxWriter} before the request
 * that caused it is acknowledged, and delivered by the {@link WebhookDispatcher}.
 *
 * <p>Body: {@code {"type", "timestamp", "data"}}; data as in docs/signaling-protocol.md.
 */
public final class CallWebhooks implements CallEventSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CallWebhooks.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Why a call announced before a crash or kill will never be answered. */
    private static final String DIED_WITH_THE_SERVER = "disconnected";
    /** At most one overflow line this often: a receiver down for hours must not flood the log. */
    private static final long OVERFLOW_LOG_EVERY_MS = 60_000;
    /** The longest a request waits for its webhooks to be stored before it is answered anyway. */
    private static final long STORE_WAIT_MS = 10_000;

    private final PushConfig config;
    private final Clock clock;
    private final PushMetrics metrics;
    private final WebhookStore store;
    private final OutboxWriter writer;
    private volatile WebhookDispatcher dispatcher;
    /** History dropped for room since the last overflow line; guarded by {@code this}. */
    private long droppedUnlogged;
    private long overflowLoggedAtMs = -OVERFLOW_LOG_EVERY_MS;

    public CallWebhooks(PushConfig config, PrometheusRegistry registry, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.store = new WebhookStore(config.dataDir(), config.maxHistory());
        this.metrics = new PushMetrics(registry, store::pending);
        this.writer = new OutboxWriter(store, this::committed);
    }

    /**
     * Turns the announcements of calls that died with the last process into their cancels, then
     * starts delivering (everything undelivered goes again, with its webhook-id).
     *
     * @param calleeUnreachable told the call id of an announcement answered 404 or 410
     */
    public void start(Consumer<String> calleeUnreachable) {
        try {
            List<CallEvent> orphans = new ArrayList<>();
            for (Webhook incoming : store.incoming()) {
                orphans.addAll(diedWithTheServer(incoming));
            }
            publish(orphans).await();
            if (!orphans.isEmpty()) {
                log.info("{} call(s) announced before the last stop died with it: their call.cancelled is queued",
                        orphans.stream().filter(CallEvent.Cancelled.class::isInstance).count());
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("webhook outbox cannot be read: " + e.getMessage(), e);
        }
        dispatcher = new WebhookDispatcher(config, store, metrics, clock, calleeUnreachable);
        dispatcher.start();
        log.info("webhooks to {} ({}), outbox in {}, {} undelivered", config.receiver(),
                String.join(", ", config.events()), config.dataDir(), store.pending());
    }

    @Override
    public Receipt publish(List<CallEvent> events) {
        List<Webhook> webhooks = new ArrayList<>(events.size());
        long now = clock.millis();
        for (CallEvent event : events) {
            String type = typeOf(event);
            if (config.events().contains(type)) {
                webhooks.add(webhook(type, event, now));
            }
        }
        if (webhooks.isEmpty()) {
            return Receipt.DONE;
        }
        OutboxWriter.Batch batch = writer.enqueue(webhooks, now);
        return () -> store(batch);
    }

    /** Waits, bounded, until the batch is in the outbox; what the request is acknowledged after. */
    private void store(OutboxWriter.Batch batch) {
        long start = System.nanoTime();
        List<Webhook> webhooks = batch.webhooks();
        try {
            if (writer.flush(batch, STORE_WAIT_MS)) {
                metrics.stored(System.nanoTime() - start);
            } else {
                log.error("webhook outbox: {} webhook(s) of call {} not stored within {} ms; answering the request"
                        + " without waiting longer", webhooks.size(), webhooks.getFirst().callId(), STORE_WAIT_MS);
            }
        } catch (SQLException e) {
            for (Webhook w : webhooks) {
                metrics.dropped(w.type(), "unstored", 1);
            }
            log.error("webhook outbox write failed, {} webhook(s) of call {} lost: {}", webhooks.size(),
                    webhooks.getFirst().callId(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After each commit of the writer: account for history dropped for room, and deliver what came. */
    private void committed(int dropped) {
        if (dropped > 0) {
            metrics.dropped(PushConfig.ENDED, "overflow", dropped);
            logOverflow(dropped, clock.millis());
        }
        WebhookDispatcher d = dispatcher;
        if (d != null) {
            d.wake();
        }
    }

    private synchronized void logOverflow(int dropped, long nowMs) {
        droppedUnlogged += dropped;
        if (nowMs - overflowLoggedAtMs >= OVERFLOW_LOG_EVERY_MS) {
            log.warn("webhook outbox full (dialtone.push.max-history = {}): dropped the {} oldest call.ended"
                    + " since the last such line; is the receiver down?", config.maxHistory(), droppedUnlogged);
            droppedUnlogged = 0;
            overflowLoggedAtMs = nowMs;
        }
    }

    @Override
    public void close() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        store.close();
    }

    private Webhook webhook(String type, CallEvent event, long nowMs) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("timestamp", Instant.ofEpochMilli(nowMs).toString());
        body.put("data", data(event));
        long deadline = event instanceof CallEvent.Incoming in
                ? in.expiresAt().toEpochMilli() : nowMs + config.maxAge().toMillis();
        try {
            return new Webhook(0, "msg_" + UUID.randomUUID(), type, event.callId(), JSON.writeValueAsString(body),
                    nowMs, deadline, 0);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("call event not serializable", e);
        }
    }

    private static String typeOf(CallEvent event) {
        return switch (event) {
            case CallEvent.Incoming i -> PushConfig.INCOMING;
            case CallEvent.Cancelled c -> PushConfig.CANCELLED;
            case CallEvent.Ended e -> PushConfig.ENDED;
        };
    }

    private static Map<String, Object> data(CallEvent event) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("callId", event.callId());
        switch (event) {
            case CallEvent.Incoming i -> {
                data.put("from", i.from());
                data.put("to", i.to());
                data.put("callType", i.callType().wireName());
                data.put("expiresAt", i.expiresAt().toString());
            }
            case CallEvent.Cancelled c -> {
                data.put("from", c.from());
                data.put("to", c.to());
                data.put("reason", c.reason());
            }
            case CallEvent.Ended e -> {
                data.put("from", e.from());
                data.put("to", e.to());
                data.put("callType", e.callType().wireName());
                data.put("startedAt", e.startedAt().toString());
                data.put("answeredAt", e.answeredAt() == null ? null : e.answeredAt().toString());
                data.put("endedAt", e.endedAt().toString());
                data.put("reason", e.reason());
                data.put("endedBy", e.endedBy());
            }
        }
        return data;
    }

    /** The cancel, and the history entry, of a call whose announcement outlived its process. */
    private List<CallEvent> diedWithTheServer(Webhook incoming) throws JsonProcessingException {
        JsonNode data = JSON.readTree(incoming.body()).path("data");
        String from = data.path("from").asText();
        String to = data.path("to").asText();
        Instant now = clock.instant();
        return List.of(new CallEvent.Cancelled(incoming.callId(), from, to, DIED_WITH_THE_SERVER),
                new CallEvent.Ended(incoming.callId(), from, to, CallType.fromWire(data.path("callType").asText()).orElse(CallType.VOICE),
                        Instant.ofEpochMilli(incoming.createdMs()), null, now, DIED_WITH_THE_SERVER, null));
    }
}
