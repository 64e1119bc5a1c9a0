package dev.dialtone.signaling.call;

import java.time.Duration;

/** Runs a task later; ring timeouts use it so tests can drive time by hand. */
@FunctionalInterface
public interface Timers {

    /** Schedules {@code task} after {@code delay}; the returned handle cancels it. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that can still be called off. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }
}
