package dev.dialtone.relay.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's threads: each loop (the UDP listeners', the accept loops, the stream loop) blocks
 * in its own select or accept, and ends when that is closed. Kept here so that shutdown can wait
 * for them. Their number does not grow with clients: every TCP and TLS connection, and every
 * stream allocation's relay socket, is the stream loop's.
 */
public final class Workers {

    private static final Logger log = LoggerFactory.getLogger(Workers.class);
    /** Relay loops hold one buffer and a shallow call stack. */
    private static final long STACK_SIZE = 256 * 1024;

    private final Set<Thread> running = ConcurrentHashMap.newKeySet();

    /** A loop on a platform thread of its own: the selectors and the accept loops. */
    public void start(String name, Runnable loop) {
        Thread thread = new Thread(null, tracked(loop), name, STACK_SIZE);
        thread.setDaemon(true);
        launch(thread);
    }

    private Runnable tracked(Runnable loop) {
        return () -> {
            try {
                loop.run();
            } catch (RuntimeException e) {
                log.error("{} stopped on an unexpected error", Thread.currentThread().getName(), e);
            } finally {
                running.remove(Thread.currentThread());
            }
        };
    }

    private void launch(Thread thread) {
        running.add(thread);
        thread.start();
    }

    /** Waits until every thread has ended or {@code timeout} has passed; true when all ended. */
    public boolean awaitAll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : Set.copyOf(running)) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                thread.join(Math.max(1, left / 1_000_000));
            }
        }
        return running.isEmpty();
    }

    public int count() {
        return running.size();
    }
}
