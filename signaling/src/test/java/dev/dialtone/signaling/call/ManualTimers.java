package dev.dialtone.signaling.call;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Timers that fire only when the test says so. */
final class ManualTimers implements Timers {
    private final List<Runnable> tasks = new ArrayList<>();
    Duration lastDelay;

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        lastDelay = delay;
        tasks.add(task);
        return () -> tasks.remove(task);
    }

    void fireAll() {
        for (Runnable task : List.copyOf(tasks)) {
            tasks.remove(task);
            task.run();
        }
    }

    boolean allCancelled() {
        return tasks.isEmpty();
    }

    int pending() {
        return tasks.size();
    }
}
