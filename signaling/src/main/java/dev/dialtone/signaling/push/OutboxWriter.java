package dev.dialtone.signaling.push;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Puts webhooks into the {@link WebhookStore} in the order they were handed over, without the
 * switchboard's lock held while the disk works. The switchboard hands a decision's webhooks over
 * under its lock ({@link #enqueue}), which fixes their order; after releasing it, the request's own
 * thread {@link #flush flushes}: it writes everything queued so far in one transaction, or finds that
 * another thread's write took its webhooks along (group commit, no thread hand-off on the fast
 * path). An SQLite checkpoint syncing the disk then holds up only the requests that have webhooks to
 * store, never every call on the server.
 */
final class OutboxWriter {

    /** One decision's webhooks; {@code error} is set when the write that took them failed. */
    static final class Batch {
        private final List<Webhook> webhooks;
        private final long nowMs;
        private volatile boolean written;
        private volatile Exception error;

        private Batch(List<Webhook> webhooks, long nowMs) {
            this.webhooks = webhooks;
            this.nowMs = nowMs;
        }

        List<Webhook> webhooks() {
            return webhooks;
        }
    }

    private final WebhookStore store;
    /** Told, after each commit, how many history webhooks were dropped to make room. */
    private final IntConsumer afterCommit;
    private final Queue<Batch> waiting = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();

    OutboxWriter(WebhookStore store, IntConsumer afterCommit) {
        this.store = store;
        this.afterCommit = afterCommit;
    }

    /** Queues a decision's webhooks; called in decision order (under the switchboard's lock). */
    Batch enqueue(List<Webhook> webhooks, long nowMs) {
        Batch batch = new Batch(webhooks, nowMs);
        waiting.add(batch);
        return batch;
    }

    /**
     * Returns once {@code batch} is in the store: true; false when that took longer than
     * {@code waitMs} (the batch stays queued and goes with the next write).
     *
     * @throws SQLException the write that took the batch failed (the batch is lost)
     */
    boolean flush(Batch batch, long waitMs) throws SQLException, InterruptedException {
        if (!writing.tryLock(waitMs, TimeUnit.MILLISECONDS)) {
            return batch.written;
        }
        try {
            if (!batch.written) {
                writeQueued();
            }
        } finally {
            writing.unlock();
        }
        if (batch.error instanceof SQLException e) {
            throw e;
        }
        if (batch.error != null) {
            throw new SQLException(batch.error.getMessage(), batch.error);
        }
        return true;
    }

    /** Everything queued, in order, in one transaction. Only under {@code writing}. */
    private void writeQueued() {
        List<Batch> group = new ArrayList<>();
        List<Webhook> webhooks = new ArrayList<>();
        for (Batch b = waiting.poll(); b != null; b = waiting.poll()) {
            group.add(b);
            webhooks.addAll(b.webhooks);
        }
        if (group.isEmpty()) {
            return;
        }
        int dropped = 0;
        try {
            dropped = store.insert(webhooks, group.getLast().nowMs);
        } catch (SQLException | RuntimeException e) {
            group.forEach(b -> b.error = e);
        }
        group.forEach(b -> b.written = true);
        afterCommit.accept(dropped);
    }
}
