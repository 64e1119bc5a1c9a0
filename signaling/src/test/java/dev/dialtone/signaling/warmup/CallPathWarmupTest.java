package dev.dialtone.signaling.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.signaling.SignalingConfig;
import dev.dialtone.signaling.turn.IceUrls;
import dev.dialtone.signaling.turn.ReachedHost;
import io.prometheus.metrics.core.util.Scheduler;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The warm-up for real: the private server on loopback, the warm-up's own Socket.IO clients
 * calling through it, and what is left of both afterwards (threads, sockets of this JVM).
 */
class CallPathWarmupTest {

    private static final String MAX_TIME_KEY = "dialtone.signaling.warmup.max-time";
    /** What the warm-up says when it ran out of time while calling (as opposed to a failed call). */
    /** How long leftovers of a run (threads, sockets) may take to go once it has returned. */
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private static final Config CONFIG = ConfigFactory.parseMap(Map.of(
                    "dialtone.auth.jwt-secret", "0123456789abcdef0123456789abcdef",
                    "dialtone.turn.secret", "fedcba9876543210fedcba9876543210"))
            .withFallback(ConfigFactory.defaultReference()).resolve();

    /**
     * prometheus-metrics-core starts one daemon thread per JVM, shared by every registry, the first
     * time a metric needs it: started here, it is not taken for a thread a warm-up left behind.
     */
    @BeforeAll
    static void startThePrometheusSchedulerOfThisJvm() throws InterruptedException {
        Scheduler.awaitInitialization();
    }

    private static CallPathWarmup.Result run(WarmupConfig warmup) {
        return CallPathWarmup.run(warmup, SignalingConfig.from(CONFIG), TurnConfig.from(CONFIG),
                IceUrls.fixed(List.of("stun:127.0.0.1:3478")),
                new ReachedHost(address -> false, InetAddress.getLoopbackAddress()), null);
    }

    @Test
    void placesAtLeastTheMinimumOfCallsAndLeavesNothingBehind() throws Exception {
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        Set<String> socketsBefore = tcpSocketsOfThisJvm();
        int minimum = 300;
        // The calls go on until the JIT is idle for 500 ms. In a test JVM that may not come within
        // any time a test can wait (41,000 calls in 15 s and the compilers still busy, measured on a
        // loaded 2-core machine), so the run is bounded: reaching max-time after the minimum is a
        // success with the compilers still busy.
        Duration maxTime = Duration.ofSeconds(8);

        CallPathWarmup.Result r = run(new WarmupConfig(minimum, maxTime));

        assertTrue(r.stoppedBy().isEmpty(), "no failed call, no connect failure, the minimum made in time: " + r);
        assertTrue(r.calls() >= minimum, "at least the minimum of calls: " + r);
        // a third of the 50 pairs connect as socket.io-client does by default: the private server upgraded
        // all of their sockets (18 pairs, 2 each) from long-polling to the websocket, and again on each reconnect
        assertTrue(r.upgraded() >= 36, "the polling-first sockets upgraded on the private server: " + r);
        // closing the private server comes on top of max-time: netty-socketio's stop() waits out Netty's
        // default 2 s quiet period (2.0-2.1 s measured)
        assertTrue(r.took().compareTo(maxTime.plusSeconds(10)) < 0, "bounded by max-time (and the close): " + r);
        assertNothingLeft(threadsBefore, socketsBefore);
    }

    @Test
    void aTinyMaxTimeReturnsPromptlyWithTheReasonAndLeavesNothingBehind() throws Exception {
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        Set<String> socketsBefore = tcpSocketsOfThisJvm();
        long start = System.nanoTime();

        CallPathWarmup.Result r = run(new WarmupConfig(100_000_000, Duration.ofMillis(1)));

        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(r.stoppedBy().isPresent(), "a run out of time says why: " + r);
        assertTrue(r.stoppedBy().get().contains(MAX_TIME_KEY), "the reason names the key: " + r);
        assertTrue(r.calls() < 100_000_000, r.toString());
        // starting and closing the private server is all it does (the close alone waits 2 s, see above):
        // seconds even on a loaded machine, where calling or connecting on would not end
        assertTrue(wall.compareTo(Duration.ofSeconds(15)) < 0, "returned after " + wall.toMillis() + " ms: " + r);
        assertNothingLeft(threadsBefore, socketsBefore);
    }

    @Test
    void negativeCallsAndNonPositiveMaxTimeAreRefusedNamingTheKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WarmupConfig(-1, Duration.ofSeconds(30)))
                .getMessage().contains("dialtone.signaling.warmup.calls"));
        for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-1))) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new WarmupConfig(20000, bad))
                    .getMessage().contains(MAX_TIME_KEY), bad.toString());
        }
        assertEquals(new WarmupConfig(20000, Duration.ofSeconds(30)), WarmupConfig.from(CONFIG), "the defaults");
        assertTrue(!new WarmupConfig(0, Duration.ofSeconds(30)).enabled(), "0 calls: off");
    }

    /** No thread the run started is still alive, none is the warm-up's client loop, and no socket stays open. */
    private static void assertNothingLeft(Set<Thread> threadsBefore, Set<String> socketsBefore)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        List<Thread> threads;
        Set<String> sockets;
        for (;;) {
            threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !threadsBefore.contains(t)).toList();
            sockets = new HashSet<>(tcpSocketsOfThisJvm());
            sockets.removeAll(socketsBefore);
            if (threads.isEmpty() && sockets.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(threads.stream().map(Thread::getName).noneMatch("signaling-warmup"::equals),
                "the warm-up's client loop ended: " + described(threads));
        assertEquals("", described(threads), "threads the warm-up started and left running");
        assertEquals(Set.of(), sockets, "TCP sockets (listening or connected) the warm-up left open");
    }

    private static String described(List<Thread> threads) {
        return threads.stream().map(t -> t.getName() + " " + Arrays.toString(t.getStackTrace()))
                .collect(Collectors.joining("\n"));
    }

    /**
     * This JVM's TCP sockets as "state local-address" lines of /proc/net/tcp{,6}: the inodes of the
     * sockets among its file descriptors, looked up there (state 0A is LISTEN).
     */
    private static Set<String> tcpSocketsOfThisJvm() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor of the listing itself, or one closed since: not a socket left open
                }
            }
        }
        Set<String> sockets = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            sockets.addAll(Files.readAllLines(file).stream().skip(1).map(String::trim).map(l -> l.split("\\s+"))
                    .filter(f -> f.length > 9 && inodes.contains(f[9]))
                    .map(f -> table + " state=" + f[3] + " local=" + f[1] + " remote=" + f[2] + " inode=" + f[9])
                    .collect(Collectors.toSet()));
        }
        return sockets;
    }
}
