package dev.dialtone.signaling.push;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.LongSupplier;

/** Webhook delivery metrics; names start with {@code dialtone_push_}. */
final class PushMetrics {

    private final Counter sent;
    private final Counter failed;
    private final Counter retried;
    private final Counter dropped;
    private final Histogram latency;
    private final Histogram outboxWrite;

    PushMetrics(PrometheusRegistry registry, LongSupplier pending) {
        sent = Counter.builder().name("dialtone_push_webhooks_sent_total")
                .help("Webhooks the receiver took (2xx, or 404/410 to a call.incoming), by type")
                .labelNames("type").register(registry);
        failed = Counter.builder().name("dialtone_push_webhooks_failed_total")
                .help("Delivery attempts that failed (error status, timeout, no connection), by type")
                .labelNames("type").register(registry);
        retried = Counter.builder().name("dialtone_push_webhooks_retried_total")
                .help("Failed attempts that will be tried again, by type").labelNames("type").register(registry);
        dropped = Counter.builder().name("dialtone_push_webhooks_dropped_total")
                .help("Webhooks given up: expired (past expiresAt or max-age), overflow (past max-history), unstored")
                .labelNames("type", "reason").register(registry);
        latency = Histogram.builder().name("dialtone_push_webhook_latency_seconds")
                .help("From the call event to the receiver's answer").unit(Unit.SECONDS)
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)
                .register(registry);
        outboxWrite = Histogram.builder().name("dialtone_push_outbox_write_seconds")
                .help("Storing a decision's webhooks, which the request that caused them waits for")
                .unit(Unit.SECONDS).classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                        0.05, 0.1, 0.25, 1).register(registry);
        GaugeWithCallback.builder().name("dialtone_push_webhooks_pending")
                .help("Webhooks stored and not delivered yet").callback(cb -> cb.call(pending.getAsLong()))
                .register(registry);
    }

    void sent(String type, long latencyMs) {
        sent.labelValues(type).inc();
        latency.observe(latencyMs / 1e3);
    }

    void stored(long nanos) {
        outboxWrite.observe(nanos / 1e9);
    }

    void failed(String type) {
        failed.labelValues(type).inc();
    }

    void retried(String type) {
        retried.labelValues(type).inc();
    }

    void dropped(String type, String reason, long n) {
        dropped.labelValues(type, reason).inc(n);
    }
}
