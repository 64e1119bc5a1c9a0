package dev.dialtone.signaling.push;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookStoreTest {

    private static final long NOW = 1_000_000;
    private static final long LEASE = NOW + 60_000;

    @TempDir
    Path dir;
    private int ids;

    @Test
    void aCallsWebhooksGoOutInOrderAndWakeUpsBeforeHistory() throws SQLException {
        try (WebhookStore store = new WebhookStore(dir, 100)) {
            store.insert(List.of(hook(PushConfig.ENDED, "old")), NOW);
            store.insert(List.of(hook(PushConfig.INCOMING, "c1")), NOW);
            store.insert(List.of(hook(PushConfig.ENDED, "c1")), NOW);

            List<Webhook> due = store.takeDue(NOW, 10, LEASE);
            assertEquals(List.of("call.incoming c1", "call.ended old"), names(due));
            assertEquals(List.of(), store.takeDue(NOW, 10, LEASE), "leased, and c1's end waits behind its announcement");

            store.delivered(due.get(0));
            assertEquals(List.of("call.ended c1"), names(store.takeDue(NOW, 10, LEASE)));
            assertEquals(2, store.pending());
        }
    }

    @Test
    void aCancelWithdrawsAnAnnouncementNotSentYetAndWaitsForOneInFlight() throws SQLException {
        try (WebhookStore store = new WebhookStore(dir, 100)) {
            store.insert(List.of(hook(PushConfig.INCOMING, "waiting")), NOW);
            store.insert(List.of(hook(PushConfig.CANCELLED, "waiting")), NOW);
            assertEquals(List.of("call.cancelled waiting"), names(store.takeDue(NOW, 10, LEASE)));

            store.insert(List.of(hook(PushConfig.INCOMING, "flying")), NOW);
            List<Webhook> flying = store.takeDue(NOW, 10, LEASE);
            store.insert(List.of(hook(PushConfig.CANCELLED, "flying")), NOW);
            assertEquals(List.of(), store.takeDue(NOW, 10, LEASE), "the cancel never overtakes its announcement");
            store.delivered(flying.get(0));
            assertEquals(List.of("call.cancelled flying"), names(store.takeDue(NOW, 10, LEASE)));
            assertEquals(List.of(), store.incoming(), "an announcement whose cancel is stored is not kept");
        }
    }

    @Test
    void pastTheCapTheOldestHistoryGoesButNeverAWakeUp() throws SQLException {
        try (WebhookStore store = new WebhookStore(dir, 2)) {
            store.insert(List.of(hook(PushConfig.INCOMING, "a"), hook(PushConfig.INCOMING, "b")), NOW);
            assertEquals(0, store.insert(List.of(hook(PushConfig.ENDED, "1"), hook(PushConfig.ENDED, "2")), NOW));
            assertEquals(1, store.insert(List.of(hook(PushConfig.ENDED, "3")), NOW));

            assertEquals(4, store.pending());
            assertEquals(List.of("call.incoming a", "call.incoming b", "call.ended 2", "call.ended 3"),
                    names(store.takeDue(NOW, 10, LEASE)));
        }
    }

    @Test
    void whatWasInFlightWhenTheProcessDiedGoesAgainAtOnceWithItsId() throws SQLException {
        Webhook ended = hook(PushConfig.ENDED, "c1");
        try (WebhookStore store = new WebhookStore(dir, 100)) {
            store.insert(List.of(ended, hook(PushConfig.INCOMING, "c2")), NOW);
            assertEquals(2, store.takeDue(NOW, 10, LEASE).size());
        }
        try (WebhookStore reopened = new WebhookStore(dir, 100)) {
            assertEquals(2, reopened.pending());
            List<Webhook> due = reopened.takeDue(NOW, 10, LEASE);
            assertEquals(List.of("call.incoming c2", "call.ended c1"), names(due));
            assertEquals(ended.id(), due.get(1).id());
            assertEquals(ended.body(), due.get(1).body());
            assertEquals(List.of("call.incoming c2"), names(reopened.incoming()));
        }
    }

    @Test
    void aFailedAttemptComesBackWhenItsBackoffIsOver() throws SQLException {
        try (WebhookStore store = new WebhookStore(dir, 100)) {
            store.insert(List.of(hook(PushConfig.ENDED, "c1")), NOW);
            Webhook w = store.takeDue(NOW, 10, LEASE).getFirst();
            store.retryAt(w, NOW + 500);
            assertEquals(NOW + 500, store.nextDueMs());
            assertEquals(List.of(), store.takeDue(NOW + 499, 10, LEASE));
            assertEquals(1, store.takeDue(NOW + 500, 10, LEASE).getFirst().attempts());
        }
    }

    private Webhook hook(String type, String callId) {
        ids++;
        return new Webhook(0, "msg_" + ids, type, callId, "{\"n\":" + ids + "}", NOW, NOW + 3_600_000, 0);
    }

    private static List<String> names(List<Webhook> webhooks) {
        return webhooks.stream().map(w -> w.type() + " " + w.callId()).toList();
    }
}
