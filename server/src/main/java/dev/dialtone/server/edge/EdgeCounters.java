package dev.dialtone.server.edge;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What the edge port saw: connections by what they turned out to be, and the ones it closed unserved. */
final class EdgeCounters {

    /** What a connection turned out to carry. */
    enum Kind {
        HTTP("http"), HTTPS("https"), TURN_TCP("turn_tcp"), TURN_TLS("turn_tls");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** Why a connection was closed before it was served. */
    enum Refusal {
        /** Nothing recognisable (no TLS, STUN or HTTP) in its first bytes. */
        UNKNOWN("unknown"),
        /** Its first flight (first bytes, TLS handshake, first request head) took too long. */
        TIMEOUT("timeout"),
        /** Closed, still in its first flight, to make room for a newer connection. */
        CROWDED("crowded"),
        /** The TLS handshake failed. */
        TLS_FAILED("tls_failed"),
        /** TLS asked for, but no certificate is configured. */
        NO_CERTIFICATE("no_certificate"),
        /** STUN/TURN asked for, but the built-in relay is off. */
        NO_RELAY("no_relay"),
        /** An HTTP request head too large or malformed. */
        BAD_HTTP("bad_http");

        final String label;

        Refusal(String label) {
            this.label = label;
        }
    }

    private final Map<Kind, LongAdder> served = new EnumMap<>(Kind.class);
    private final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);

    EdgeCounters() {
        for (Kind kind : Kind.values()) {
            served.put(kind, new LongAdder());
        }
        for (Refusal reason : Refusal.values()) {
            refused.put(reason, new LongAdder());
        }
    }

    void served(Kind kind) {
        served.get(kind).increment();
    }

    void refused(Refusal reason) {
        refused.get(reason).increment();
    }

    long servedCount(Kind kind) {
        return served.get(kind).sum();
    }

    long refusedCount(Refusal reason) {
        return refused.get(reason).sum();
    }
}
