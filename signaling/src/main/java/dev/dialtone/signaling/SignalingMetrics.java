package dev.dialtone.signaling;

import dev.dialtone.signaling.call.CallListener;
import dev.dialtone.signaling.call.CallSessions;
import dev.dialtone.signaling.protocol.ErrorCode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** The signaling service's Prometheus metrics; names start with {@code dialtone_signaling_}. */
public final class SignalingMetrics implements CallListener {

    private final Counter callsEnded;
    private final Histogram setupSeconds;
    private final Counter authFailures;
    private final Counter errors;
    private final Counter connects;
    private final Counter upgrades;

    public SignalingMetrics(PrometheusRegistry registry) {
        callsEnded = Counter.builder().name("dialtone_signaling_calls_ended_total")
                .help("Calls ended, by reason").labelNames("reason").register(registry);
        setupSeconds = Histogram.builder().name("dialtone_signaling_call_setup_seconds")
                .help("Time from callUser to answerCall").unit(Unit.SECONDS)
                .classicUpperBounds(0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60).register(registry);
        authFailures = Counter.builder().name("dialtone_signaling_auth_failures_total")
                .help("Connections refused for a missing, invalid or expired token").register(registry);
        errors = Counter.builder().name("dialtone_signaling_errors_total")
                .help("Requests refused, by error code").labelNames("code").register(registry);
        connects = Counter.builder().name("dialtone_signaling_connects_total")
                .help("Sockets authenticated, by the transport they connected over").labelNames("transport")
                .register(registry);
        upgrades = Counter.builder().name("dialtone_signaling_upgrades_total")
                .help("Long-polling sessions upgraded to a websocket").register(registry);
    }

    /** Gauges read from the live state when scraped. */
    void observe(PrometheusRegistry registry, IntSupplier sockets, Supplier<CallSessions.Stats> stats) {
        GaugeWithCallback.builder().name("dialtone_signaling_connections")
                .help("Connected Socket.IO clients").callback(cb -> cb.call(sockets.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("dialtone_signaling_users")
                .help("Users with at least one authenticated socket")
                .callback(cb -> cb.call(stats.get().users())).register(registry);
        GaugeWithCallback.builder().name("dialtone_signaling_calls")
                .help("Live calls, by state").labelNames("state")
                .callback(cb -> {
                    CallSessions.Stats s = stats.get();
                    cb.call(s.ringing(), "ringing");
                    cb.call(s.calls() - s.ringing(), "connected");
                }).register(registry);
    }

    @Override
    public void connected(Duration setup) {
        setupSeconds.observe(setup.toNanos() / 1e9);
    }

    @Override
    public void ended(String reason) {
        callsEnded.labelValues(reason).inc();
    }

    void authFailed() {
        authFailures.inc();
    }

    /** {@code transport}: "polling" or "websocket". */
    void connected(String transport) {
        connects.labelValues(transport).inc();
    }

    void upgraded() {
        upgrades.inc();
    }

    void refused(ErrorCode code) {
        errors.labelValues(code.name()).inc();
    }
}
