package dev.dialtone.signaling.call;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One signaling node under test: its {@link CallSessions}, what its sockets were sent (read as
 * the client reads it: JSON), the call ends it counted, the call events it reported to the app's
 * backend (on a clock stopped at {@link #NOW}), and ring timers that run when the test says so.
 */
public final class TestNode implements Outbox, CallListener {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The time on every node's clock, so that the times call events carry are known. */
    public static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    /** What a node needs from the test to build its sessions. */
    public record Wiring(Outbox outbox, Timers timers, CallListener listener, PushHooks push) {
    }

    public final ManualTimers timers = new ManualTimers();
    public final CallSessions sessions;
    /** How long "nothing more arrives" is watched for: 0 where deliveries are synchronous. */
    private final Duration quiet;
    private final LinkedBlockingQueue<Delivery> sent = new LinkedBlockingQueue<>();
    private final List<Delivery> unread = new ArrayList<>();
    private final List<String> ended = new ArrayList<>();
    private final List<CallEvent> events = new ArrayList<>();

    public TestNode(Function<Wiring, CallSessions> sessions, Duration quiet) {
        this(sessions, quiet, null);
    }

    /** @param wakeWait how long a call to a user with no socket waits for one (push on); null: push off */
    public TestNode(Function<Wiring, CallSessions> sessions, Duration quiet, Duration wakeWait) {
        this.quiet = quiet;
        this.sessions = sessions.apply(new Wiring(this, timers, this,
                new PushHooks(wakeWait, this::report, Clock.fixed(NOW, ZoneOffset.UTC))));
    }

    public static JsonNode json(Object value) {
        return JSON.valueToTree(value);
    }

    public UUID connect(String user) {
        UUID socket = UUID.randomUUID();
        assertTrue(sessions.connect(socket, user, details()), user + " connects");
        return socket;
    }

    /** How a test socket is shown to operators. */
    public static SocketDetails details() {
        return new SocketDetails("websocket", "127.0.0.1:40000", Instant.parse("2026-01-01T00:00:00Z"));
    }

    public JsonNode next(UUID socket, String event) throws InterruptedException {
        return next(socket, event, Duration.ofSeconds(3));
    }

    /** The next {@code event} for {@code socket}, as the client would read it (bounded wait). */
    public JsonNode next(UUID socket, String event, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        for (;;) {
            for (Delivery d : unread) {
                if (d.socket().equals(socket) && d.event().equals(event)) {
                    unread.remove(d);
                    return json(d.payload());
                }
            }
            Delivery d = sent.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (d == null) {
                throw new AssertionError("no " + event + " for " + socket + " within " + within + "; unread: " + unread);
            }
            unread.add(d);
        }
    }

    /** Nothing (more) was sent to any of {@code sockets}: after the quiet time where delivery is asynchronous. */
    public void assertNothingFor(UUID... sockets) throws InterruptedException {
        if (!quiet.isZero()) {
            Thread.sleep(quiet.toMillis());
        }
        sent.drainTo(unread);
        List<UUID> watched = List.of(sockets);
        List<Delivery> unexpected = unread.stream().filter(d -> watched.contains(d.socket())).toList();
        if (!unexpected.isEmpty()) {
            throw new AssertionError("unexpected: " + unexpected);
        }
    }

    public synchronized List<String> endedReasons() {
        return List.copyOf(ended);
    }

    /** The call events reported since the last call, in the order they were reported. */
    public synchronized List<CallEvent> takeEvents() {
        List<CallEvent> taken = List.copyOf(events);
        events.clear();
        return taken;
    }

    private synchronized CallEventSink.Receipt report(List<CallEvent> reported) {
        events.addAll(reported);
        return CallEventSink.Receipt.DONE;
    }

    @Override
    public void send(List<Delivery> deliveries) {
        sent.addAll(deliveries);
    }

    @Override
    public void connected(Duration setup) {
    }

    @Override
    public synchronized void ended(String reason) {
        ended.add(reason);
    }

    /** Ring timers that fire only when the test says so. */
    public static final class ManualTimers implements Timers {

        private final List<Runnable> tasks = new ArrayList<>();
        private Duration lastDelay;

        @Override
        public synchronized Cancellable schedule(Duration delay, Runnable task) {
            lastDelay = delay;
            tasks.add(task);
            return () -> {
                synchronized (this) {
                    tasks.remove(task);
                }
            };
        }

        public void fireAll() {
            List<Runnable> due;
            synchronized (this) {
                due = List.copyOf(tasks);
                tasks.clear();
            }
            due.forEach(Runnable::run);
        }

        public synchronized Duration lastDelay() {
            return lastDelay;
        }

        public synchronized int pending() {
            return tasks.size();
        }
    }
}
