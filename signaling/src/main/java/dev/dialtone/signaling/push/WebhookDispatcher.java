package dev.dialtone.signaling.push;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox: one loop takes due webhooks from the {@link WebhookStore} and POSTs each on
 * a virtual thread (never on a Netty event loop), with a timeout, retrying failures with exponential
 * backoff and jitter until the webhook's deadline. While the receiver fails, the only attempt is a
 * probe (wake-ups first), one at a time and with a backoff of its own of at most {@link #MAX_PROBE_MS}:
 * a receiver that is down for hours costs a request every few seconds, not one per stored webhook,
 * and is back in use within seconds of its return.
 */
final class WebhookDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    /** How long the loop sleeps at most, whatever the store says; bounds the cost of a missed wake-up. */
    private static final long MAX_IDLE_MS = 1000;
    /** Rows that are due but wait behind an earlier webhook of their call are looked at again this soon. */
    private static final long MIN_IDLE_MS = 20;
    /** Longest pause between probes of a failing receiver: how soon its return is noticed. */
    private static final long MAX_PROBE_MS = 5000;

    private final PushConfig config;
    private final WebhookStore store;
    private final WebhookSigner signer;
    private final PushMetrics metrics;
    private final Clock clock;
    /** Told the call id of a call.incoming the receiver answered 404 or 410: it knows no device. */
    private final Consumer<String> calleeUnreachable;
    private final ExecutorService attempts = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("webhook-", 0).factory());
    private final HttpClient http;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Attempts failed in a row for the receiver's sake (no answer, 429, 5xx); 0 while it answers. */
    private volatile int receiverFailures;
    /** While the receiver fails: no probe before this (epoch ms). */
    private volatile long nextProbeMs;
    private volatile boolean running = true;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private boolean signalled;
    private final Thread loop;

    WebhookDispatcher(PushConfig config, WebhookStore store, PushMetrics metrics, Clock clock,
                      Consumer<String> calleeUnreachable) {
        this.config = config;
        this.store = store;
        this.signer = new WebhookSigner(config.secret());
        this.metrics = metrics;
        this.clock = clock;
        this.calleeUnreachable = calleeUnreachable;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).executor(attempts).build();
        this.loop = Thread.ofPlatform().name("webhook-dispatcher").daemon().unstarted(this::run);
    }

    void start() {
        loop.start();
    }

    /** Something new is in the store, or an attempt finished: look again now. */
    void wake() {
        lock.lock();
        try {
            signalled = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (running) {
            long idleMs;
            try {
                idleMs = dispatchDue();
            } catch (SQLException | RuntimeException e) {
                log.error("webhook outbox unreadable: {}; trying again in {} ms", e.getMessage(), MAX_IDLE_MS);
                idleMs = MAX_IDLE_MS;
            }
            awaitWork(idleMs);
        }
    }

    /** Starts what is due and may start now; returns how long to wait before looking again. */
    private long dispatchDue() throws SQLException {
        long now = clock.millis();
        boolean probing = receiverFailures > 0;
        if (probing && now < nextProbeMs) {
            return Math.min(nextProbeMs - now, MAX_IDLE_MS);
        }
        int free = probing ? (inFlight.get() == 0 ? 1 : 0) : config.concurrency() - inFlight.get();
        if (free <= 0) {
            return MAX_IDLE_MS;
        }
        // leased past the attempt's own timeout: not taken again while it runs
        long leaseUntil = now + 2 * config.timeout().toMillis() + MAX_IDLE_MS;
        List<Webhook> due = store.takeDue(now, free, leaseUntil);
        for (Webhook w : due) {
            inFlight.incrementAndGet();
            attempts.execute(() -> attempt(w));
        }
        if (due.size() == free) {
            return 0;
        }
        long next = store.nextDueMs();
        return Math.clamp(next - now, MIN_IDLE_MS, MAX_IDLE_MS);
    }

    private void awaitWork(long idleMs) {
        if (idleMs <= 0) {
            return;
        }
        lock.lock();
        try {
            if (!signalled) {
                work.await(idleMs, TimeUnit.MILLISECONDS);
            }
            signalled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private void attempt(Webhook w) {
        try {
            settle(w, post(w));
        } catch (SQLException | RuntimeException e) {
            log.error("webhook {} {}: outcome not recorded ({}); it will be sent again", w.id(), w.type(), e.getMessage());
        } finally {
            inFlight.decrementAndGet();
            wake();
        }
    }

    /** One POST; the status code, or -1 with {@code failure} filled in when there was no answer. */
    private Outcome post(Webhook w) {
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(config.webhookUrl())
                .timeout(config.timeout())
                .header("content-type", "application/json")
                .header("user-agent", "Dialtone-Webhooks")
                .header("webhook-id", w.id())
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signer.sign(w.id(), timestamp, w.body()))
                .POST(HttpRequest.BodyPublishers.ofString(w.body()))
                .build();
        try {
            return new Outcome(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode(), null);
        } catch (HttpTimeoutException e) {
            return new Outcome(-1, "timed out after " + config.timeout().toMillis() + " ms");
        } catch (IOException e) {
            return new Outcome(-1, "no answer (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(-1, "interrupted by shutdown");
        }
    }

    private void settle(Webhook w, Outcome outcome) throws SQLException {
        long now = clock.millis();
        int status = outcome.status();
        boolean incoming = PushConfig.INCOMING.equals(w.type());
        if (status >= 200 && status < 300) {
            receiverFailures = 0;
            store.delivered(w);
            metrics.sent(w.type(), now - w.createdMs());
            log.debug("webhook {} {} delivered: HTTP {}", w.id(), w.type(), status);
            return;
        }
        if (incoming && (status == 404 || status == 410)) {
            receiverFailures = 0;
            store.drop(w);
            metrics.sent(w.type(), now - w.createdMs());
            log.info("webhook {} call.incoming for call {}: HTTP {}, the backend knows no device to wake",
                    w.id(), w.callId(), status);
            calleeUnreachable.accept(w.callId());
            return;
        }
        // a receiver that answers 4xx is up: only no answer, 429 and 5xx slow every delivery down
        if (status < 0 || status == 429 || status >= 500) {
            receiverFailures++;
            nextProbeMs = now + Math.min(MAX_PROBE_MS, backoffMs(receiverFailures));
        } else {
            receiverFailures = 0;
        }
        metrics.failed(w.type());
        String what = status < 0 ? outcome.failure() : "HTTP " + status;
        long backoff = backoffMs(w.attempts() + 1);
        if (now + backoff > w.deadlineMs()) {
            store.drop(w);
            metrics.dropped(w.type(), "expired", 1);
            log.warn("webhook {} {} for call {} failed: {}; attempt {}, given up ({})", w.id(), w.type(), w.callId(),
                    what, w.attempts() + 1, incoming ? "the call stops waiting" : "older than dialtone.push.max-age");
            return;
        }
        store.retryAt(w, now + backoff);
        metrics.retried(w.type());
        log.warn("webhook {} {} for call {} failed: {}; attempt {}, next in {} ms", w.id(), w.type(), w.callId(),
                what, w.attempts() + 1, backoff);
    }

    /** Exponential from retry-min, capped at retry-max, with "equal jitter": half fixed, half random. */
    private long backoffMs(int failures) {
        long min = config.retryMin().toMillis();
        long max = config.retryMax().toMillis();
        long exp = failures >= 31 ? max : Math.min(max, min << Math.min(failures - 1, 30));
        long half = Math.max(1, exp / 2);
        return half + ThreadLocalRandom.current().nextLong(half + 1);
    }

    /** Stops the loop and abandons attempts in flight: they stay in the store and go again at the next start. */
    @Override
    public void close() {
        running = false;
        loop.interrupt();
        attempts.shutdownNow();
        try {
            loop.join(Duration.ofSeconds(2));
            attempts.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }

    private record Outcome(int status, String failure) {
    }
}
