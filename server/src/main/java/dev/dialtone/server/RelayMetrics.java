package dev.dialtone.server;

import dev.dialtone.relay.DropReason;
import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.AllocationLimit;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Exposes the relay's own counters as Prometheus metrics, read when scraped. */
final class RelayMetrics {

    private RelayMetrics() {
    }

    static void register(PrometheusRegistry registry, RelayCounters counters) {
        GaugeWithCallback.builder().name("dialtone_relay_allocations")
                .help("TURN allocations live now").callback(cb -> cb.call(counters.allocations())).register(registry);
        CounterWithCallback.builder().name("dialtone_relay_packets_total")
                .help("Application packets relayed, both directions")
                .callback(cb -> cb.call(counters.relayedPackets())).register(registry);
        CounterWithCallback.builder().name("dialtone_relay_bytes_total")
                .help("Application payload bytes relayed, both directions")
                .callback(cb -> cb.call(counters.relayedBytes())).register(registry);
        GaugeWithCallback.builder().name("dialtone_relay_stream_queued_bytes")
                .help("Bytes waiting in TCP and TLS clients' write queues (at most 256 KiB each; slow readers hold most)")
                .callback(cb -> cb.call(counters.streamQueuedBytes())).register(registry);
        CounterWithCallback.builder().name("dialtone_relay_dropped_packets_total")
                .help("Packets neither relayed nor answered, by reason (internal_error is a relay bug)")
                .labelNames("reason")
                .callback(cb -> {
                    for (DropReason reason : DropReason.values()) {
                        cb.call(counters.droppedPackets(reason), reason.label());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("dialtone_relay_allocations_refused_total")
                .help("Allocate requests refused at a limit: user_quota (486), total_quota, relay_ports, sockets (508)")
                .labelNames("limit")
                .callback(cb -> {
                    for (AllocationLimit limit : AllocationLimit.values()) {
                        cb.call(counters.refusedAllocations(limit), limit.label());
                    }
                }).register(registry);
    }
}
