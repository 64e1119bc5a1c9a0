package dev.dialtone.signaling.call;

import java.util.List;

/**
 * Some of the live calls, oldest first, and how many there are in all.
 *
 * @param calls at most the limit asked for; which ones, when there are more, is unspecified
 * @param total every live call (of the whole cluster)
 */
public record LiveCalls(List<LiveCall> calls, int total) {

    public LiveCalls {
        calls = List.copyOf(calls);
    }

    /** Whether calls were left out. */
    public boolean truncated() {
        return total > calls.size();
    }
}
