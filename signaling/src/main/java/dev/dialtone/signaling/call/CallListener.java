package dev.dialtone.signaling.call;

import java.time.Duration;

/** Told of call milestones, for metrics. Called under the switchboard's lock: must be quick. */
public interface CallListener {

    /** A call was answered {@code setup} after it was placed. */
    void connected(Duration setup);

    /**
     * A call ended: {@code hangup}, {@code declined}, {@code busy}, {@code no-answer}, {@code disconnected},
     * {@code ended-by-operator}.
     */
    void ended(String reason);

    CallListener NONE = new CallListener() {
        @Override
        public void connected(Duration setup) {
        }

        @Override
        public void ended(String reason) {
        }
    };
}
