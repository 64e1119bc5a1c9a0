package dev.dialtone.signaling.push;

/**
 * One webhook in the outbox: the exact body sent on every attempt, under the same id.
 *
 * @param seq        order of storing; 0 before it is stored
 * @param id         {@code webhook-id}, the same on every attempt so receivers can de-duplicate
 * @param type       {@code call.incoming}, {@code call.cancelled} or {@code call.ended}
 * @param callId     the call it is about; webhooks of one call are delivered in order
 * @param body       the JSON body
 * @param createdMs  when the event happened (epoch ms)
 * @param deadlineMs after this it is no use any more and is dropped (epoch ms)
 * @param attempts   delivery attempts made so far
 */
record Webhook(long seq, String id, String type, String callId, String body, long createdMs, long deadlineMs,
               int attempts) {

    /** History ({@code call.ended}) may be dropped past the outbox cap; wake-ups never are. */
    boolean history() {
        return PushConfig.ENDED.equals(type);
    }
}
