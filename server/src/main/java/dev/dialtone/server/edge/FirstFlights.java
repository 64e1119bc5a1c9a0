package dev.dialtone.server.edge;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Connections that have not yet shown what they are: no bytes yet, a TLS handshake under way, an
 * HTTP request head not complete. Each gets a short bound, and only so many may be in that state:
 * past the bound a connection is closed, and when the set is full the oldest one makes room for the
 * newest, so a client that sends nothing (or half a handshake) holds nothing for long and a flood
 * of them cannot keep a prompt client out.
 */
final class FirstFlights implements AutoCloseable {

    private final Duration bound;
    private final int max;
    private final EdgeCounters counters;
    /** Oldest first; every entry has the same bound, so deadlines are in order too. */
    private final LinkedHashMap<Socket, Long> pending = new LinkedHashMap<>();
    private final ScheduledExecutorService sweeper;

    FirstFlights(Duration bound, int max, EdgeCounters counters) {
        this.bound = bound;
        this.max = max;
        this.counters = counters;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "edge-first-flights");
            thread.setDaemon(true);
            return thread;
        });
        long tick = Math.max(50, bound.toMillis() / 20);
        sweeper.scheduleWithFixedDelay(this::closeOverdue, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Starts the bound of a new connection; may close the oldest pending one to make room. */
    void admit(Socket socket) {
        Socket evicted = null;
        synchronized (pending) {
            if (pending.size() >= max) {
                Iterator<Socket> oldest = pending.keySet().iterator();
                evicted = oldest.next();
                oldest.remove();
            }
            pending.put(socket, System.nanoTime() + bound.toNanos());
        }
        if (evicted != null) {
            counters.refused(EdgeCounters.Refusal.CROWDED);
            closeQuietly(evicted);
        }
    }

    /** The connection has shown what it is; false when it was closed for being late or crowded out. */
    boolean done(Socket socket) {
        synchronized (pending) {
            return pending.remove(socket) != null && !socket.isClosed();
        }
    }

    /** How many connections are in their first flight now. */
    int size() {
        synchronized (pending) {
            return pending.size();
        }
    }

    private void closeOverdue() {
        long now = System.nanoTime();
        List<Socket> overdue = new ArrayList<>();
        synchronized (pending) {
            Iterator<Map.Entry<Socket, Long>> it = pending.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Socket, Long> entry = it.next();
                if (entry.getValue() - now > 0) {
                    break;
                }
                overdue.add(entry.getKey());
                it.remove();
            }
        }
        for (Socket socket : overdue) {
            counters.refused(EdgeCounters.Refusal.TIMEOUT);
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
