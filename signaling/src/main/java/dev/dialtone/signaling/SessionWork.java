package dev.dialtone.signaling;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the {@code CallSessions} work of each socket runs. In memory (one node) it runs at once on
 * the calling thread, netty-socketio's event loop: the switchboard answers in microseconds. On Redis
 * (cluster) it runs off the event loop, so that a slow or stalled Redis never holds up the pings and
 * the other sockets of that loop: each socket's work runs one task after another, in the order it
 * was handed over (a client's requests keep their order, connect first and disconnect last), on a
 * virtual thread that exists only while the socket has work waiting.
 *
 * <p>At most {@link #MAX_WAITING} tasks of one socket wait at a time: a client that keeps sending
 * while Redis is slow or down is refused beyond it (its events are answered RATE_LIMITED), so its
 * memory stays bounded. Connect and disconnect are never refused: at most one of each per socket.
 */
final class SessionWork implements AutoCloseable {

    /** Tasks of one socket that may wait behind the one running (docs/cluster.md). */
    static final int MAX_WAITING = 64;

    private static final Logger log = LoggerFactory.getLogger(SessionWork.class);

    private final boolean ordered;
    private final ExecutorService threads;
    /** The sockets with work waiting or running; present exactly while a virtual thread drains it. */
    private final Map<UUID, ArrayDeque<Runnable>> lanes = new ConcurrentHashMap<>();

    private SessionWork(boolean ordered) {
        this.ordered = ordered;
        this.threads = ordered
                ? Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("session-work-", 0).factory())
                : null;
    }

    /** Work runs at once on the caller's thread (the in-memory switchboard). */
    static SessionWork inline() {
        return new SessionWork(false);
    }

    /** Work runs off the caller's thread, in order per socket (Redis). */
    static SessionWork ordered() {
        return new SessionWork(true);
    }

    /** Whether work is handed to other threads, so the caller never waits for it. */
    boolean isOrdered() {
        return ordered;
    }

    /** Runs {@code task} for {@code socket} after its earlier work; false, and nothing runs, when too many wait. */
    boolean submit(UUID socket, Runnable task) {
        return enqueue(socket, task, true);
    }

    /** As {@link #submit}, but never refused: for the one connect and the one disconnect of a socket. */
    void submitAlways(UUID socket, Runnable task) {
        enqueue(socket, task, false);
    }

    /** Whether {@code socket} has work waiting or running. */
    boolean isBusy(UUID socket) {
        return lanes.containsKey(socket);
    }

    @Override
    public void close() {
        if (threads != null) {
            threads.shutdownNow();
        }
    }

    private boolean enqueue(UUID socket, Runnable task, boolean bounded) {
        if (!ordered) {
            task.run();
            return true;
        }
        boolean[] accepted = {false};
        boolean[] startThread = {false};
        lanes.compute(socket, (s, lane) -> {
            if (lane == null) {
                lane = new ArrayDeque<>();
                startThread[0] = true;
            } else if (bounded && lane.size() >= MAX_WAITING) {
                return lane;
            }
            lane.add(task);
            accepted[0] = true;
            return lane;
        });
        if (startThread[0]) {
            threads.execute(() -> drain(socket));
        }
        return accepted[0];
    }

    private void drain(UUID socket) {
        Runnable task;
        while ((task = next(socket)) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("work of socket {} failed", socket, e);
            }
        }
    }

    /** The socket's next task, or null when there is none: then its lane is gone, atomically. */
    private Runnable next(UUID socket) {
        Runnable[] next = {null};
        lanes.computeIfPresent(socket, (s, lane) -> {
            next[0] = lane.poll();
            return next[0] == null ? null : lane;
        });
        return next[0];
    }
}
