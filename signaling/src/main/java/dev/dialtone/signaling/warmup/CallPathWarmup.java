package dev.dialtone.signaling.warmup;

import dev.dialtone.common.Secrets;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.signaling.SignalingConfig;
import dev.dialtone.signaling.SignalingServer;
import dev.dialtone.signaling.auth.ClientTokenIssuer;
import dev.dialtone.signaling.cluster.ClusterConfig;
import dev.dialtone.signaling.push.PushConfig;
import dev.dialtone.signaling.turn.IceUrls;
import dev.dialtone.signaling.turn.ReachedHost;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Compiles the call path before the first client comes. A fresh JVM interprets the call path and
 * then spends more CPU compiling it than serving the calls: the first ~60,000 calls after a start
 * cost several times a warm server's CPU and setup latency (bench/README.md), exactly when every
 * client reconnects after a deploy. JDK 25's AOT cache keeps profiles but no compiled code. So,
 * before the real port opens, this places calls between pairs of users on a private copy of the
 * signaling server: loopback, a port of its own, a random JWT secret nobody else knows, no Redis
 * and no webhooks, its own metrics registry. The calls go through the same classes as a client's
 * (Netty, the HTTP long-polling and its upgrade, the websocket and Engine.IO framing,
 * netty-socketio and Dialtone's patches to it, the switchboard), so the JIT
 * compiles the code the real server runs. Where the real server has a second way in (the edge
 * port), the private one gets one too ({@link WarmupDoor}) and every pair's callee comes in by it.
 * The calls go on until the compilers are idle; then the private server closes and the memory
 * the calls took is given back.
 */
public final class CallPathWarmup {

    /** Pairs calling at once: several sockets' frames per read, as under real load. */
    private static final int PAIRS = 50;
    /** How long the compilers must stay idle under the calls before the warm-up counts as done. */
    private static final Duration JIT_QUIET = Duration.ofMillis(500);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final ClientStyle[] STYLES = ClientStyle.values();
    /**
     * One in this many runs of {@link #STYLES} connects by long-polling and then upgrades, as
     * socket.io-client's default does: a third of the pairs, of every style, with and without acks.
     */
    private static final int POLLING_FIRST_EVERY = 3;
    /** Limits at least this high on the private server, whatever an operator set on the real one. */
    private static final int ROOMY_SIGNAL_BYTES = 64 * 1024;
    private static final int ROOMY_CANDIDATE_BYTES = 4096;
    private static final int ROOMY_SOCKETS_PER_USER = 16;
    /** The private server's counter of upgrades, as its registry names it (without {@code _total}). */
    private static final String UPGRADES = "dialtone_signaling_upgrades";

    /**
     * @param calls        calls completed
     * @param upgraded     sockets that connected by long-polling and were upgraded to a websocket,
     *                     as the private server counted them ({@code dialtone_signaling_upgrades_total})
     * @param throughDoor  connections its {@link WarmupDoor} served (0 without one)
     * @param took         from start to the private server's close
     * @param compilerIdle whether it ended on the compilers' quiet, not on max-time
     * @param stoppedBy    why it stopped before the minimum of calls, if it did: the server is then cold
     */
    public record Result(int calls, long upgraded, long throughDoor, Duration took, boolean compilerIdle,
                         Optional<String> stoppedBy) {
    }

    private final int minCalls;
    private final long deadline;
    private final SignalingConfig real;
    private final TurnConfig turn;
    private final IceUrls urls;
    private final ReachedHost reachedHost;
    /** The real server's second way in, copied for the private one; null for none. */
    private final WarmupDoor door;
    /** The private server's metrics: its count of upgrades is part of the result. */
    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** Counted on the clients' event loop. */
    private final AtomicInteger calls = new AtomicInteger();
    /** A pair's failure, completed on the clients' event loop; it ends the warm-up. */
    private final CompletableFuture<Optional<String>> failure = new CompletableFuture<>();
    /** Set by the thread that runs the warm-up, when it ends on the compilers' quiet. */
    private boolean compilerIdle;
    /** Set by the thread that runs the warm-up, as its door closes. */
    private long throughDoor;

    private CallPathWarmup(WarmupConfig warmup, long start, SignalingConfig real, TurnConfig turn, IceUrls urls,
                           ReachedHost reachedHost, WarmupDoor door) {
        this.minCalls = warmup.calls();
        this.deadline = start + warmup.maxTime().toNanos();
        this.real = real;
        this.turn = turn;
        this.urls = urls;
        this.reachedHost = reachedHost;
        this.door = door;
    }

    /**
     * Never throws: a warm-up that cannot run leaves the server cold, which is slow, not wrong.
     *
     * @param door the real server's second way in (the edge port) to copy, or null
     */
    public static Result run(WarmupConfig warmup, SignalingConfig real, TurnConfig turn, IceUrls urls,
                             ReachedHost reachedHost, WarmupDoor door) {
        long start = System.nanoTime();
        CallPathWarmup run = new CallPathWarmup(warmup, start, real, turn, urls, reachedHost, door);
        Optional<String> stoppedBy;
        try {
            stoppedBy = run.callUntilDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stoppedBy = Optional.of("interrupted");
        } catch (Exception e) {
            stoppedBy = Optional.of(e.toString());
        }
        giveBackMemory();
        return new Result(run.calls.get(), run.upgrades(), run.throughDoor, Duration.ofNanos(System.nanoTime() - start),
                run.compilerIdle, stoppedBy);
    }

    /** The private server's count of polling sessions upgraded to a websocket. */
    private long upgrades() {
        return registry.scrape(UPGRADES::equals).stream()
                .flatMap(metric -> ((CounterSnapshot) metric).getDataPoints().stream())
                .mapToLong(point -> (long) point.getValue()).sum();
    }

    /**
     * The calls leave the heap grown for their garbage (G1: ~220 MB committed) and the compilers'
     * freed work memory in malloc's arenas: RSS 355 MB where a server that skipped the warm-up
     * starts at 111 MB. A full collection lets the heap shrink back, and trimming the C heap
     * (the JVM's {@code System.trim_native_heap} command, glibc only) returns what malloc kept:
     * 173 MB, most of the difference now the compiled code itself.
     */
    private static void giveBackMemory() {
        System.gc();
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
                    new Object[0], new String[0]);
        } catch (JMException | RuntimeException e) {
            // not a glibc JVM, or no diagnostic commands: the memory stays with malloc, nothing else changes
        }
    }

    private Optional<String> callUntilDone() throws Exception {
        String secret = Secrets.random();
        SignalingConfig config = privateCopy(real, secret, freeLoopbackPort());
        ClientTokenIssuer tokens = new ClientTokenIssuer(secret, config.auth().userClaim(), Clock.systemUTC());
        int maxFrame = 4 * config.limits().maxSignalBytes() + 64 * 1024;
        NioEventLoopGroup clients = new NioEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "signaling-warmup");
            t.setDaemon(true);
            return t;
        });
        EventLoop loop = clients.next();
        List<WarmupPair> pairs = new ArrayList<>();
        try (SignalingServer server = new SignalingServer(config, turn, urls, reachedHost, registry)) {
            server.start();
            WarmupTarget port = new WarmupTarget(new InetSocketAddress(config.host(), config.port()), null);
            try (WarmupDoor.Opened opened = door == null ? null : door.open(server)) {
                WarmupTarget callees = opened == null ? port : opened.target();
                try {
                    return call(port, callees, tokens, maxFrame, loop, pairs);
                } finally {
                    // the clients go first: a server closing under them would be a failure to report
                    pairs.forEach(pair -> loop.execute(pair::close));
                    clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                    throughDoor = opened == null ? 0 : opened.connections().getAsLong();
                }
            }
        }
    }

    /** Callers connect to {@code callers}, callees to {@code callees}: the same place, or the port and the door. */
    private Optional<String> call(WarmupTarget callers, WarmupTarget callees, ClientTokenIssuer tokens, int maxFrame,
                                  EventLoop loop, List<WarmupPair> pairs) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(PAIRS);
        WarmupPair.Progress progress = new WarmupPair.Progress() {
            @Override
            public void ready(WarmupPair pair) {
                ready.countDown();
            }

            @Override
            public void callDone() {
                calls.incrementAndGet();
            }

            @Override
            public void failed(String why) {
                failure.complete(Optional.of(why));
                while (ready.getCount() > 0) {
                    ready.countDown();
                }
            }
        };
        WarmupSdp sdp = WarmupSdp.typical();
        for (int i = 0; i < PAIRS; i++) {
            WarmupPair pair = new WarmupPair(user(tokens, "warmup-caller-" + i), user(tokens, "warmup-callee-" + i), sdp,
                    STYLES[i % STYLES.length], i / STYLES.length % POLLING_FIRST_EVERY == 0, i % 2 == 0, progress, loop,
                    callers, callees, maxFrame);
            pairs.add(pair);
            loop.execute(pair::connect);
        }
        if (!ready.await(remaining(), TimeUnit.NANOSECONDS)) {
            return Optional.of("the sockets did not connect within dialtone.signaling.warmup.max-time");
        }
        if (failure.isDone()) {
            return failure.join();
        }
        pairs.forEach(pair -> loop.execute(pair::run));
        return untilCompiled();
    }

    /**
     * Calls go on until there were {@link #minCalls} and the compilers have then had nothing to do
     * for {@link #JIT_QUIET}. Stopping the calls and then waiting would not do: HotSpot drops
     * queued compilations of methods that stopped running, and they would be compiled while the
     * first real clients wait. At the deadline, the minimum of calls made is a success with the
     * compilers still busy; fewer is a failure.
     */
    private Optional<String> untilCompiled() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long compiled = watchJit ? jit.getTotalCompilationTime() : 0;
        long quietSince = System.nanoTime();
        while (!failure.isDone()) {
            if (remaining() == 0) {
                return calls.get() >= minCalls ? Optional.empty()
                        : Optional.of("dialtone.signaling.warmup.max-time reached");
            }
            Thread.sleep(POLL.toMillis());
            long now = watchJit ? jit.getTotalCompilationTime() : compiled;
            if (now != compiled) {
                compiled = now;
                quietSince = System.nanoTime();
            }
            if (calls.get() >= minCalls && System.nanoTime() - quietSince >= JIT_QUIET.toNanos()) {
                compilerIdle = true;
                return Optional.empty();
            }
        }
        return failure.join();
    }

    /**
     * The real configuration's timings and threads, alone on loopback, trusting only its own
     * tokens. Its limits are the real ones where the warm-up's traffic fits them: a browser-sized
     * offer, a socket that reconnects before the server saw the last one go, a call every few
     * milliseconds per user.
     */
    private static SignalingConfig privateCopy(SignalingConfig real, String secret, int port) {
        SignalingConfig.Limits l = real.limits();
        ClusterConfig c = real.cluster();
        PushConfig p = real.push();
        return new SignalingConfig(InetAddress.getLoopbackAddress().getHostAddress(), port, real.ringTimeout(),
                real.pingInterval(), real.pingTimeout(), false, real.eventLoops(),
                new SignalingConfig.Limits(Math.max(l.maxSignalBytes(), ROOMY_SIGNAL_BYTES),
                        Math.max(l.maxCandidateBytes(), ROOMY_CANDIDATE_BYTES), l.maxCheckOnline(), Integer.MAX_VALUE,
                        Math.max(l.maxSocketsPerUser(), ROOMY_SOCKETS_PER_USER)),
                new SignalingConfig.Auth(secret, "sub", Duration.ZERO),
                new ClusterConfig("", c.nodeTtl(), c.heartbeatInterval(), c.keyPrefix()),
                new PushConfig(null, "", p.events(), p.waitForWake(), p.maxAge(), p.dataDir(), p.timeout(),
                        p.retryMin(), p.retryMax(), p.maxHistory(), p.concurrency()));
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** A made-up user with a token as an app's backend makes them: issued-at and expiry among its claims. */
    private static WarmupPair.User user(ClientTokenIssuer tokens, String id) {
        return new WarmupPair.User(id, tokens.tokenFor(id, Duration.ofHours(1)));
    }

    private long remaining() {
        return Math.max(0, deadline - System.nanoTime());
    }
}
