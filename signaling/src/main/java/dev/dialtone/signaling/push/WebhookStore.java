package dev.dialtone.signaling.push;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook outbox: an SQLite file under {@code dialtone.data-dir}. A webhook is in it from
 * before the event that caused it is acknowledged until it is delivered or no use any more, so
 * neither a restart nor a SIGKILL loses one (WAL journal: a commit is in the file before
 * {@link #insert} returns; {@code synchronous=NORMAL} trades only power-loss durability for speed).
 *
 * <p>Commits do not wait for the disk: with {@code synchronous=NORMAL} only SQLite's automatic
 * checkpoints sync, and the {@link OutboxWriter} writes with the switchboard's lock released.
 * (Checkpoints on another connection cannot keep up with a steady writer: the WAL grew without
 * bound in bench/push.)
 *
 * <p>One connection, used under this object's monitor. A delivered {@code call.incoming} stays
 * (marked delivered) until its call's {@code call.cancelled} is stored: after a crash it tells which
 * announced calls died with the process.
 */
final class WebhookStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookStore.class);
    private static final String FILE = "webhooks.db";
    private static final String COLUMNS = "seq, id, type, call_id, body, created_ms, deadline_ms, attempts";
    private static final String CANCEL_STORED = "EXISTS (SELECT 1 FROM webhook c WHERE c.call_id = webhook.call_id"
            + " AND c.type = '" + PushConfig.CANCELLED + "')";

    private final Connection db;
    private final int maxHistory;
    private final AtomicLong pending = new AtomicLong();
    private long pendingHistory;

    WebhookStore(Path dataDir, int maxHistory) {
        this.maxHistory = maxHistory;
        try {
            Files.createDirectories(dataDir);
            db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(FILE).toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS webhook (
                          seq INTEGER PRIMARY KEY AUTOINCREMENT,
                          id TEXT NOT NULL UNIQUE,
                          type TEXT NOT NULL,
                          call_id TEXT NOT NULL,
                          body TEXT NOT NULL,
                          created_ms INTEGER NOT NULL,
                          deadline_ms INTEGER NOT NULL,
                          next_attempt_ms INTEGER NOT NULL,
                          attempts INTEGER NOT NULL DEFAULT 0,
                          delivered INTEGER NOT NULL DEFAULT 0,
                          in_flight INTEGER NOT NULL DEFAULT 0,
                          history INTEGER NOT NULL)""");
                s.execute("CREATE INDEX IF NOT EXISTS webhook_due ON webhook (delivered, history, next_attempt_ms)");
                s.execute("CREATE INDEX IF NOT EXISTS webhook_call ON webhook (call_id, seq)");
                // the oldest undelivered history, found without sorting when the cap is reached
                s.execute("CREATE INDEX IF NOT EXISTS webhook_history ON webhook (history, delivered, seq)");
                // whatever was in flight when the last process stopped goes again, now
                s.executeUpdate("UPDATE webhook SET next_attempt_ms = 0, in_flight = 0 WHERE delivered = 0");
                // an announcement whose cancel is stored already needs no cancel of its own
                s.executeUpdate("DELETE FROM webhook WHERE type = '" + PushConfig.INCOMING + "' AND " + CANCEL_STORED);
            }
            db.setAutoCommit(false);
            pending.set(count("delivered = 0"));
            pendingHistory = count("delivered = 0 AND history = 1");
            db.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("dialtone.data-dir " + dataDir + " cannot be created", e);
        } catch (SQLException e) {
            throw new IllegalStateException("webhook outbox " + dataDir.resolve(FILE) + " cannot be opened: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Stores webhooks in one transaction. A {@code call.cancelled} withdraws its call's
     * {@code call.incoming}, unless that is in flight: then the cancel waits for it, so a receiver
     * never hears of the cancel first. Past {@code maxHistory} undelivered {@code call.ended}, the oldest go.
     *
     * @return how many history webhooks were dropped to make room
     */
    synchronized int insert(List<Webhook> webhooks, long nowMs) throws SQLException {
        int dropped = 0;
        try (PreparedStatement ins = db.prepareStatement("INSERT INTO webhook (id, type, call_id, body, created_ms,"
                + " deadline_ms, next_attempt_ms, history) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement withdrawPending = db.prepareStatement("DELETE FROM webhook WHERE call_id = ? AND type = '"
                     + PushConfig.INCOMING + "' AND delivered = 0 AND in_flight = 0");
             PreparedStatement withdrawDelivered = db.prepareStatement("DELETE FROM webhook WHERE call_id = ? AND type = '"
                     + PushConfig.INCOMING + "' AND delivered = 1")) {
            long added = 0;
            long addedHistory = 0;
            for (Webhook w : webhooks) {
                if (PushConfig.CANCELLED.equals(w.type())) {
                    withdrawPending.setString(1, w.callId());
                    added -= withdrawPending.executeUpdate();
                    withdrawDelivered.setString(1, w.callId());
                    withdrawDelivered.executeUpdate();
                }
                ins.setString(1, w.id());
                ins.setString(2, w.type());
                ins.setString(3, w.callId());
                ins.setString(4, w.body());
                ins.setLong(5, w.createdMs());
                ins.setLong(6, w.deadlineMs());
                ins.setLong(7, nowMs);
                ins.setInt(8, w.history() ? 1 : 0);
                ins.executeUpdate();
                added++;
                addedHistory += w.history() ? 1 : 0;
            }
            long excess = pendingHistory + addedHistory - maxHistory;
            if (excess > 0) {
                try (PreparedStatement drop = db.prepareStatement("DELETE FROM webhook WHERE seq IN (SELECT seq FROM"
                        + " webhook WHERE history = 1 AND delivered = 0 ORDER BY seq LIMIT ?)")) {
                    drop.setLong(1, excess);
                    dropped = drop.executeUpdate();
                }
            }
            db.commit();
            pending.addAndGet(added - dropped);
            pendingHistory += addedHistory - dropped;
            return dropped;
        } catch (SQLException e) {
            db.rollback();
            throw e;
        }
    }

    /**
     * Undelivered webhooks due at {@code nowMs}, wake-ups first, none behind an undelivered
     * earlier webhook of its call (so a call's webhooks arrive in order). Each one returned is
     * leased until {@code leaseUntilMs}: not due again while its attempt runs.
     */
    synchronized List<Webhook> takeDue(long nowMs, int limit, long leaseUntilMs) throws SQLException {
        List<Webhook> due = new ArrayList<>(limit);
        try (PreparedStatement q = db.prepareStatement("SELECT " + COLUMNS + " FROM webhook w"
                + " WHERE delivered = 0 AND next_attempt_ms <= ? AND NOT EXISTS (SELECT 1 FROM webhook e"
                + " WHERE e.call_id = w.call_id AND e.delivered = 0 AND e.seq < w.seq)"
                + " ORDER BY history, next_attempt_ms, seq LIMIT ?");
             PreparedStatement lease = db.prepareStatement(
                     "UPDATE webhook SET next_attempt_ms = ?, in_flight = 1 WHERE seq = ?")) {
            q.setLong(1, nowMs);
            q.setInt(2, limit);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    due.add(row(r));
                }
            }
            for (Webhook w : due) {
                lease.setLong(1, leaseUntilMs);
                lease.setLong(2, w.seq());
                lease.addBatch();
            }
            lease.executeBatch();
            db.commit();
            return due;
        } catch (SQLException e) {
            db.rollback();
            throw e;
        }
    }

    /** When the next undelivered webhook falls due (epoch ms), or {@code Long.MAX_VALUE}. */
    synchronized long nextDueMs() throws SQLException {
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT MIN(next_attempt_ms) FROM webhook WHERE delivered = 0")) {
            long min = r.next() ? r.getLong(1) : 0;
            boolean none = r.wasNull();
            db.commit();
            return none ? Long.MAX_VALUE : min;
        }
    }

    /** Delivered: gone, but a {@code call.incoming} is kept until its call's cancel is stored. */
    synchronized void delivered(Webhook w) throws SQLException {
        settle(w, keptForItsCancel(w)
                ? "UPDATE webhook SET delivered = 1, in_flight = 0 WHERE seq = ? AND delivered = 0"
                : "DELETE FROM webhook WHERE seq = ? AND delivered = 0");
    }

    /** No use any more (past its deadline), or refused for good. */
    synchronized void drop(Webhook w) throws SQLException {
        settle(w, "DELETE FROM webhook WHERE seq = ? AND delivered = 0");
    }

    /** A failed attempt: the next one at {@code nextAttemptMs}; an announcement already cancelled goes. */
    synchronized void retryAt(Webhook w, long nextAttemptMs) throws SQLException {
        if (PushConfig.INCOMING.equals(w.type()) && !keptForItsCancel(w)) {
            settle(w, "DELETE FROM webhook WHERE seq = ? AND delivered = 0");
            return;
        }
        try (PreparedStatement u = db.prepareStatement(
                "UPDATE webhook SET attempts = ?, next_attempt_ms = ?, in_flight = 0 WHERE seq = ?")) {
            u.setInt(1, w.attempts() + 1);
            u.setLong(2, nextAttemptMs);
            u.setLong(3, w.seq());
            u.executeUpdate();
            db.commit();
        }
    }

    /** Every {@code call.incoming} still stored: at start, the announced calls that died with the last process. */
    synchronized List<Webhook> incoming() throws SQLException {
        List<Webhook> list = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT " + COLUMNS + " FROM webhook WHERE type = ? ORDER BY seq")) {
            q.setString(1, PushConfig.INCOMING);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    list.add(row(r));
                }
            }
            db.commit();
        }
        return list;
    }

    /** Undelivered webhooks, kept in step with every change (for the pending gauge). */
    long pending() {
        return pending.get();
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            log.warn("closing the webhook outbox: {}", e.getMessage());
        }
    }

    /** A {@code call.incoming} whose call's cancel is not stored yet. */
    private boolean keptForItsCancel(Webhook w) throws SQLException {
        if (!PushConfig.INCOMING.equals(w.type())) {
            return false;
        }
        try (PreparedStatement q = db.prepareStatement(
                "SELECT 1 FROM webhook WHERE call_id = ? AND type = '" + PushConfig.CANCELLED + "'")) {
            q.setString(1, w.callId());
            try (ResultSet r = q.executeQuery()) {
                return !r.next();
            }
        }
    }

    private void settle(Webhook w, String sql) throws SQLException {
        try (PreparedStatement u = db.prepareStatement(sql)) {
            u.setLong(1, w.seq());
            if (u.executeUpdate() > 0) {
                pending.decrementAndGet();
                pendingHistory -= w.history() ? 1 : 0;
            }
            db.commit();
        }
    }

    /** A row selected as {@link #COLUMNS}. */
    private static Webhook row(ResultSet r) throws SQLException {
        return new Webhook(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                r.getLong(6), r.getLong(7), r.getInt(8));
    }

    private long count(String where) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM webhook WHERE " + where)) {
            return r.next() ? r.getLong(1) : 0;
        }
    }
}
