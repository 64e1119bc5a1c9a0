package dev.dialtone.relay.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's threads: each loop (listener, connection, selector) blocks in its own socket read
 * or select, and ends when that is closed. Kept here so that shutdown can wait for them. TLS
 * clients' readers and writers run on virtual threads; the UDP loops, the accept loops and the
 * stream clients' loop (plain TCP connections, and every stream allocation's relay socket) keep
 * platform threads.
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

    /**
     * A TLS client's (or a handed-over TCP client's) reader or writer: a virtual thread, so that thousands of stream clients
     * cost thousands of small stacks on the heap, not as many platform threads.
     */
    public void startVirtual(String name, Runnable loop) {
        launch(Thread.ofVirtual().name(name).unstarted(tracked(loop)));
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
