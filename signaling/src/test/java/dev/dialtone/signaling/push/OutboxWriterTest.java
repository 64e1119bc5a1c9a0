package dev.dialtone.signaling.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxWriterTest {

    private static final long NOW = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void whoeverFlushesFirstWritesEverythingQueuedInTheOrderItWasHandedOver() throws Exception {
        List<Integer> commits = new ArrayList<>();
        try (WebhookStore store = new WebhookStore(dir, 1)) {
            OutboxWriter writer = new OutboxWriter(store, commits::add);
            OutboxWriter.Batch first = writer.enqueue(List.of(ended("msg_1", "a")), NOW);
            OutboxWriter.Batch second = writer.enqueue(List.of(ended("msg_2", "b")), NOW);

            assertTrue(writer.flush(second, 1000));
            assertTrue(writer.flush(first, 1000), "taken along by the other flush");

            assertEquals(List.of(1), commits, "one transaction; the older history dropped for the cap of 1");
            assertEquals(List.of("msg_2"), store.takeDue(NOW, 10, NOW + 1).stream().map(Webhook::id).toList());
        }
    }

    private static Webhook ended(String id, String callId) {
        return new Webhook(0, id, PushConfig.ENDED, callId, "{}", NOW, NOW + 60_000, 0);
    }
}
