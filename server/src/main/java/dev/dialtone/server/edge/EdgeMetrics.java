package dev.dialtone.server.edge;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The edge port's counters as Prometheus metrics, read when scraped. */
public final class EdgeMetrics {

    private EdgeMetrics() {
    }

    public static void register(PrometheusRegistry registry, EdgeListener edge) {
        EdgeCounters counters = edge.counters();
        CounterWithCallback.builder().name("dialtone_edge_connections_total")
                .help("Connections on the edge port served, by what they carried")
                .labelNames("protocol")
                .callback(cb -> {
                    for (EdgeCounters.Kind kind : EdgeCounters.Kind.values()) {
                        cb.call(counters.servedCount(kind), kind.label);
                    }
                }).register(registry);
        CounterWithCallback.builder().name("dialtone_edge_refused_total")
                .help("Connections on the edge port closed unserved, by reason")
                .labelNames("reason")
                .callback(cb -> {
                    for (EdgeCounters.Refusal reason : EdgeCounters.Refusal.values()) {
                        cb.call(counters.refusedCount(reason), reason.label);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("dialtone_edge_open_connections")
                .help("Connections open on the edge port now").callback(cb -> cb.call(edge.openConnections()))
                .register(registry);
        GaugeWithCallback.builder().name("dialtone_edge_first_flights")
                .help("Edge connections that have not yet shown what they carry")
                .callback(cb -> cb.call(edge.firstFlights())).register(registry);
    }
}
