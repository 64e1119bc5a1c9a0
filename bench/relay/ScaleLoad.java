import dev.dialtone.common.TurnCredentials;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.stun.MessageIntegrity;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.ErrorCodeAttribute;
import org.ice4j.attribute.NonceAttribute;
import org.ice4j.attribute.RealmAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;

/**
 * Holds many TURN allocations on one relay at once and relays a paced load through every one of
 * them: each allocation (its own client socket or connection, from one of 64 source addresses in
 * 127.0.1.0/24, TURN REST credentials of its own user) gets a permission and a channel to an echo
 * peer, then sends one ChannelData message per round in its own slot of the round, so the relay sees
 * a steady rate of ALLOCATIONS / PERIOD messages per second; every message must come back from the
 * echo through the relay within 3 s. Halfway through, every client refreshes its allocation,
 * permission and channel. Before the load, the relay's CPU is read over 5 s of holding them idle.
 * At the end every allocation is deleted (Refresh, LIFETIME 0). The relay's
 * CPU time, RSS, threads and descriptors are read from /proc/SERVER_PID. Loopback only; every wait
 * is bounded.
 *
 * Usage: java -cp CLASSPATH ScaleLoad.java udp|tcp|tls HOST PORT SECRET ALLOCATIONS ROUNDS PERIOD_MS SERVER_PID [CAP_EXTRA]
 *   CAP_EXTRA: after the load, this many more Allocates (UDP), to see what the relay answers once full.
 * Prints progress lines and one line starting "scale:" with the results.
 */
public class ScaleLoad {

    private static final int PAYLOAD = 100;
    private static final int CHANNEL = 0x4000;
    private static final int SETUP_CONCURRENCY = 200;
    private static final Duration ECHO_WAIT = Duration.ofSeconds(3);
    private static final Duration PHASE_LIMIT = Duration.ofMinutes(3);
    private static final Duration IDLE_WINDOW = Duration.ofSeconds(5);
    private static final long CLOCK_TICKS = Long.parseLong(System.getenv().getOrDefault("CLK_TCK", "100"));

    public static void main(String[] args) throws Exception {
        String transport = args[0];
        String host = args[1];
        if (!host.startsWith("127.")) {
            throw new IllegalArgumentException("loopback targets only");
        }
        InetSocketAddress server = new InetSocketAddress(host, Integer.parseInt(args[2]));
        TurnRestSecret secret = new TurnRestSecret(args[3]);
        int allocations = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);
        Duration period = Duration.ofMillis(Long.parseLong(args[6]));
        long serverPid = Long.parseLong(args[7]);
        int capExtra = args.length > 8 ? Integer.parseInt(args[8]) : 0;
        ServerProcess relay = new ServerProcess(serverPid);

        try (EchoPeer peer = new EchoPeer(new InetSocketAddress("127.0.2.1", 0));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Thread.ofPlatform().daemon().name("echo-peer").start(peer);
            Connector connector = new Connector(transport, server);

            // setup: allocation, permission and channel for every client, SETUP_CONCURRENCY at a time
            long setupStart = System.nanoTime();
            Client[] clients = new Client[allocations];
            Outcomes setup = runAll(threads, allocations, SETUP_CONCURRENCY, i -> {
                Client client = new Client(connector.open(i), secret.mint("scale" + i, Duration.ofHours(1), Clock.systemUTC()));
                clients[i] = client;
                client.allocate();
                client.permitAndBind(peer.address());
            });
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
            ServerProcess.Sample held = relay.sample();
            // what holding them costs with no traffic: the expiry sweep, the loops' timeouts, GC
            long idleStart = relay.cpuTicks();
            Thread.sleep(IDLE_WINDOW.toMillis());
            double idleCores = (double) (relay.cpuTicks() - idleStart) / CLOCK_TICKS / IDLE_WINDOW.toSeconds();
            System.out.printf("%s: %d allocations held (%d failed%s) in %.1f s; server %s; idle CPU %.1f%% of a core%n",
                    transport, setup.ok(), setup.failed(), setup.firstError(), setupSeconds, held, 100 * idleCores);

            // paced load: round r, client i sends at start + r * period + i * period / allocations
            long ticksBefore = relay.cpuTicks();
            long loadStart = System.nanoTime() + 200_000_000L;
            LongAdder sent = new LongAdder();
            LongAdder echoed = new LongAdder();
            LongAdder late = new LongAdder();
            LongAdder refreshFailures = new LongAdder();
            Outcomes load = runAll(threads, allocations, allocations, i -> {
                Client client = clients[i];
                if (client == null || !client.allocated) {
                    return;
                }
                long offset = period.toNanos() * i / allocations;
                for (int round = 0; round < rounds; round++) {
                    if (round == rounds / 2 && !client.refresh(peer.address())) {
                        refreshFailures.increment();
                    }
                    parkUntil(loadStart + round * period.toNanos() + offset);
                    client.sendData(round, i);
                    sent.increment();
                    switch (client.awaitEcho(round, i)) {
                        case ON_TIME -> echoed.increment();
                        case LATE -> late.increment();
                        case LOST -> { }
                    }
                }
            });
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            long ticks = relay.cpuTicks() - ticksBefore;
            ServerProcess.Sample loaded = relay.sample();
            long messages = sent.sum();
            long lost = messages - echoed.sum() - late.sum();
            double cpuSeconds = (double) ticks / CLOCK_TICKS;
            System.out.printf("%s: load %d rounds x %d allocations every %d ms (%.0f msgs/s offered), %d sent,"
                            + " %d echoed, %d late, %d lost, %d refresh failures (%d client errors%s); server %s%n",
                    transport, rounds, setup.ok(), period.toMillis(), setup.ok() * 1000.0 / period.toMillis(), messages,
                    echoed.sum(), late.sum(), lost, refreshFailures.sum(), load.failed(), load.firstError(), loaded);

            String cap = "";
            if (capExtra > 0) {
                cap = probeCapacity(threads, connector, secret, allocations, capExtra, relay);
                System.out.println(transport + ": " + cap);
            }

            Outcomes release = runAll(threads, allocations, SETUP_CONCURRENCY, i -> {
                if (clients[i] != null) {
                    clients[i].release();
                }
            });
            ServerProcess.Sample after = relay.sample();
            System.out.printf("scale: %s allocations=%d setup=%.1fs idle_cpu=%.1f%% rate=%.0f msgs/s (%d B, every %d ms each) sent=%d"
                            + " echoed=%d late=%d lost=%d loss=%.3f%% refresh_failures=%d server_cpu=%.2f core-s"
                            + " %.2f us/echoed msg %.2f us/relayed pkt peak: rss=%d MB threads=%d fds=%d"
                            + " after release (%d failed): rss=%d MB threads=%d fds=%d%s%n",
                    transport, setup.ok(), setupSeconds, 100 * idleCores, messages / loadSeconds, PAYLOAD, period.toMillis(), messages,
                    echoed.sum(), late.sum(), lost, 100.0 * (messages - echoed.sum()) / Math.max(1, messages),
                    refreshFailures.sum(), cpuSeconds, cpuSeconds * 1e6 / Math.max(1, echoed.sum()),
                    cpuSeconds * 1e6 / Math.max(1, 2 * echoed.sum()), Math.max(held.rssMb(), loaded.rssMb()),
                    Math.max(held.threads(), loaded.threads()), Math.max(held.fds(), loaded.fds()),
                    release.failed(), after.rssMb(), after.threads(), after.fds(), cap.isEmpty() ? "" : " " + cap);
            if (setup.failed() > 0 || lost > 0 || refreshFailures.sum() > 0 || load.failed() > 0) {
                System.exit(1);
            }
        }
    }

    /**
     * Allocates {@code extra} more (new users, new client sockets) on a relay that holds {@code held}:
     * how many it still grants and how many it answers 508; then {@code extra} more again, on the full
     * relay, for what a 508 costs it (server CPU per refused Allocate, its 401 challenge included).
     */
    private static String probeCapacity(ExecutorService threads, Connector connector, TurnRestSecret secret, int held,
                                        int extra, ServerProcess relay) throws Exception {
        Map<Integer, LongAdder> fill = new ConcurrentHashMap<>();
        Map<Integer, LongAdder> full = new ConcurrentHashMap<>();
        Client[] probes = new Client[2 * extra];
        Outcomes filling = runAll(threads, extra, 50, i -> probe(connector, secret, held + i, probes, i, fill));
        long ticks = relay.cpuTicks();
        Outcomes refusing = runAll(threads, extra, 50, i -> probe(connector, secret, held + extra + i, probes, extra + i, full));
        double cpuMs = (relay.cpuTicks() - ticks) * 1000.0 / CLOCK_TICKS;
        runAll(threads, 2 * extra, SETUP_CONCURRENCY, i -> {
            if (probes[i] != null) {
                probes[i].release();
            }
        });
        long failed = filling.failed() + refusing.failed();
        return String.format("cap: %d more Allocates answered %s (0: granted); %d more on the full relay answered %s,"
                        + " server CPU %.3f ms per Allocate%s",
                extra, fill, extra, full, cpuMs / extra,
                failed > 0 ? ", " + failed + " failed" + filling.firstError() + refusing.firstError() : "");
    }

    /** One more client's Allocate; its answer's code (0: granted) counted in {@code codes}. */
    private static void probe(Connector connector, TurnRestSecret secret, int index, Client[] probes, int slot,
                              Map<Integer, LongAdder> codes) throws Exception {
        Client client = new Client(connector.open(index), secret.mint("cap" + index, Duration.ofHours(1), Clock.systemUTC()));
        probes[slot] = client;
        codes.computeIfAbsent(client.tryAllocate(), c -> new LongAdder()).increment();
    }

    private static void parkUntil(long nanoTime) {
        for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    /** One client's part of a phase. */
    @FunctionalInterface
    interface Task {
        void run(int index) throws Exception;
    }

    record Outcomes(long ok, long failed, String firstError) {
    }

    /** Runs {@code task} for 0..count-1 on virtual threads, at most {@code concurrency} at once, within PHASE_LIMIT. */
    private static Outcomes runAll(ExecutorService threads, int count, int concurrency, Task task) throws Exception {
        Semaphore gate = new Semaphore(concurrency);
        LongAdder failed = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>("");
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int index = i;
            futures.add(threads.submit(() -> {
                gate.acquireUninterruptibly();
                try {
                    task.run(index);
                } catch (Exception e) {
                    failed.increment();
                    firstError.compareAndSet("", "; first: client " + index + ": " + e);
                } finally {
                    gate.release();
                }
            }));
        }
        long deadline = System.nanoTime() + PHASE_LIMIT.toNanos();
        for (var future : futures) {
            future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return new Outcomes(count - failed.sum(), failed.sum(), firstError.get());
    }

    /** Opens one client's link: a UDP socket, a TCP connection or a TLS connection, from 127.0.1.(1 + i % 64). */
    record Connector(String transport, InetSocketAddress server, SSLContext tls) {

        Connector(String transport, InetSocketAddress server) throws Exception {
            this(transport, server, transport.equals("tls") ? trustingContext() : null);
        }

        Link open(int index) throws IOException {
            InetAddress source = InetAddress.getByAddress(new byte[] {127, 0, 1, (byte) (1 + index % 64)});
            return switch (transport) {
                case "udp" -> new DatagramLink(source, server);
                case "tcp" -> new StreamLink(bound(new Socket(), source));
                case "tls" -> {
                    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(
                            bound(new Socket(), source), server.getHostString(), server.getPort(), true);
                    socket.startHandshake();
                    yield new StreamLink(socket);
                }
                default -> throw new IllegalArgumentException("transport: udp, tcp or tls, not " + transport);
            };
        }

        private Socket bound(Socket socket, InetAddress source) throws IOException {
            socket.bind(new InetSocketAddress(source, 0));
            socket.setTcpNoDelay(true);
            socket.connect(server, 10_000);
            return socket;
        }

        /** The relay's certificate is self-signed (the bench gives it none); this is loopback only. */
        private static SSLContext trustingContext() throws Exception {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String type) {
                }

                public void checkServerTrusted(X509Certificate[] chain, String type) {
                }

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        }
    }

    /** How a client's bytes reach the relay; STUN over UDP is retransmitted, over streams it is not. */
    interface Link extends Closeable {
        void write(byte[] frame) throws IOException;

        /** The next datagram or frame (STUN message or ChannelData), or null after {@code timeout}. */
        byte[] read(Duration timeout) throws IOException;

        boolean reliable();
    }

    static final class DatagramLink implements Link {
        private final DatagramSocket socket;
        private final byte[] buffer = new byte[2048];

        DatagramLink(InetAddress source, InetSocketAddress server) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(source, 0));
            socket.connect(server);
        }

        public void write(byte[] frame) throws IOException {
            socket.send(new DatagramPacket(frame, frame.length));
        }

        public byte[] read(Duration timeout) throws IOException {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buffer, packet.getLength());
        }

        public boolean reliable() {
            return false;
        }

        public void close() {
            socket.close();
        }
    }

    static final class StreamLink implements Link {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        StreamLink(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 4096));
            this.out = socket.getOutputStream();
        }

        public void write(byte[] frame) throws IOException {
            out.write(frame);
            out.flush();
        }

        public byte[] read(Duration timeout) throws IOException {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            byte[] head = new byte[4];
            try {
                in.readFully(head);
            } catch (SocketTimeoutException e) {
                return null;
            }
            socket.setSoTimeout(10_000); // the rest of a frame follows at once
            int length = ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
            boolean stun = (head[0] & 0xC0) == 0;
            int rest = stun ? 16 + length : (length + 3) & ~3; // ChannelData is padded to 4 on streams
            byte[] frame = Arrays.copyOf(head, 4 + rest);
            in.readFully(frame, 4, rest);
            return stun ? frame : Arrays.copyOf(frame, 4 + length);
        }

        public boolean reliable() {
            return true;
        }

        public void close() throws IOException {
            socket.close();
        }
    }

    enum Echo { ON_TIME, LATE, LOST }

    /** One allocation and what it needs to sign its requests. */
    static final class Client {
        private final Link link;
        private final TurnCredentials credentials;
        private String realm;
        private String nonce;
        private byte[] key;
        volatile boolean allocated;
        /** The highest round whose echo came back after its wait ended. */
        private int lateSeen = -1;

        Client(Link link, TurnCredentials credentials) {
            this.link = link;
            this.credentials = credentials;
        }

        void allocate() throws Exception {
            int code = tryAllocate();
            if (code != 0) {
                throw new IOException("Allocate answered " + code);
            }
        }

        /** 0 when allocated, else the error code. */
        int tryAllocate() throws Exception {
            Message challenge = exchange(MessageFactory.createAllocateRequest((byte) 17, false), false);
            realm = new String(((RealmAttribute) challenge.getAttribute(Attribute.REALM)).getRealm(), StandardCharsets.UTF_8);
            nonce = new String(((NonceAttribute) challenge.getAttribute(Attribute.NONCE)).getNonce(), StandardCharsets.UTF_8);
            key = LongTermCredentials.key(credentials.username(), realm, credentials.credential());
            int code = code(exchange(MessageFactory.createAllocateRequest((byte) 17, false), true));
            allocated = code == 0;
            return code;
        }

        void permitAndBind(InetSocketAddress peer) throws Exception {
            TransportAddress address = new TransportAddress(peer, Transport.UDP);
            expect(exchange(MessageFactory.createCreatePermissionRequest(address, new byte[12]), true), "CreatePermission");
            expect(exchange(MessageFactory.createChannelBindRequest((char) CHANNEL, address, new byte[12]), true), "ChannelBind");
        }

        /** Refresh of the allocation (lifetime 10 min), the permission and the channel; false when one failed. */
        boolean refresh(InetSocketAddress peer) {
            try {
                expect(exchange(MessageFactory.createRefreshRequest(600), true), "Refresh");
                permitAndBind(peer);
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        void sendData(int round, int index) throws IOException {
            ByteBuffer frame = ByteBuffer.allocate(4 + PAYLOAD);
            frame.putShort((short) CHANNEL).putShort((short) PAYLOAD).putInt(round).putInt(index);
            link.write(frame.array());
        }

        /** Waits up to ECHO_WAIT for round {@code round}'s message to come back through the relay. */
        Echo awaitEcho(int round, int index) throws IOException {
            long deadline = System.nanoTime() + ECHO_WAIT.toNanos();
            for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                byte[] frame = link.read(Duration.ofNanos(left));
                if (frame == null) {
                    break;
                }
                if ((frame[0] & 0xC0) == 0 || frame.length < 12) {
                    continue; // a STUN answer to a retransmission
                }
                ByteBuffer data = ByteBuffer.wrap(frame, 4, frame.length - 4);
                int echoedRound = data.getInt();
                if (data.getInt() != index) {
                    throw new IOException("another client's data arrived");
                }
                if (echoedRound == round) {
                    return Echo.ON_TIME;
                }
                lateSeen = Math.max(lateSeen, echoedRound);
            }
            return lateSeen == round ? Echo.LATE : Echo.LOST;
        }

        /** Refresh with LIFETIME 0 deletes the allocation; then the link closes. */
        void release() throws Exception {
            try {
                if (allocated) {
                    Message answer = exchange(MessageFactory.createRefreshRequest(0), true);
                    // 437: a retransmitted delete whose first answer was lost
                    if (code(answer) != 0 && code(answer) != 437) {
                        throw new IOException("delete answered " + code(answer));
                    }
                }
            } finally {
                link.close();
            }
        }

        private void expect(Message answer, String what) throws IOException {
            if (code(answer) != 0) {
                throw new IOException(what + " answered " + code(answer));
            }
        }

        /** Sends a request (signed when asked) and waits for its answer; over UDP resent 5 times at 0.5, 1, 2, 4, 8 s. */
        private Message exchange(Message request, boolean signed) throws Exception {
            for (int stale = 0; ; stale++) {
                byte[] id = new byte[12];
                ThreadLocalRandom.current().nextBytes(id);
                request.setTransactionID(id);
                if (signed) {
                    request.removeAttribute(Attribute.USERNAME);
                    request.removeAttribute(Attribute.REALM);
                    request.removeAttribute(Attribute.NONCE);
                    request.putAttribute(AttributeFactory.createUsernameAttribute(credentials.username()));
                    request.putAttribute(AttributeFactory.createRealmAttribute(realm.getBytes(StandardCharsets.UTF_8)));
                    request.putAttribute(AttributeFactory.createNonceAttribute(nonce.getBytes(StandardCharsets.UTF_8)));
                }
                Message answer = roundTrip(MessageIntegrity.seal(request.encode(null), signed ? key : null), id);
                if (signed && code(answer) == 438 && stale == 0) {
                    nonce = new String(((NonceAttribute) answer.getAttribute(Attribute.NONCE)).getNonce(), StandardCharsets.UTF_8);
                    continue;
                }
                return answer;
            }
        }

        private Message roundTrip(byte[] bytes, byte[] id) throws Exception {
            int tries = link.reliable() ? 1 : 6;
            Duration wait = link.reliable() ? Duration.ofSeconds(15) : Duration.ofMillis(500);
            for (int attempt = 0; attempt < tries; attempt++, wait = wait.multipliedBy(2)) {
                link.write(bytes);
                long deadline = System.nanoTime() + wait.toNanos();
                for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                    byte[] frame = link.read(Duration.ofNanos(left));
                    if (frame == null) {
                        break;
                    }
                    if ((frame[0] & 0xC0) != 0) {
                        continue; // a late echo
                    }
                    Message answer = Message.decode(frame, 0, frame.length);
                    if (Arrays.equals(answer.getTransactionID(), id)) {
                        return answer;
                    }
                }
            }
            throw new SocketTimeoutException("no answer from the relay");
        }

        private static int code(Message answer) {
            return answer.getAttribute(Attribute.ERROR_CODE) instanceof ErrorCodeAttribute error
                    ? error.getErrorClass() * 100 + error.getErrorNumber() : 0;
        }
    }

    /** Sends every datagram back to where it came from: through the relay, to the client that sent it. */
    static final class EchoPeer implements Runnable, Closeable {
        private final DatagramChannel channel;

        EchoPeer(InetSocketAddress address) throws IOException {
            channel = DatagramChannel.open().bind(address);
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
        }

        InetSocketAddress address() {
            try {
                return (InetSocketAddress) channel.getLocalAddress();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public void run() {
            ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
            try {
                while (true) {
                    var from = channel.receive(buffer.clear());
                    channel.send(buffer.flip(), from);
                }
            } catch (IOException closed) {
                // end of the run
            }
        }

        public void close() throws IOException {
            channel.close();
        }
    }

    /** The relay's process as /proc shows it. */
    record ServerProcess(long pid) {

        record Sample(long rssMb, long threads, long fds) {
            @Override
            public String toString() {
                return "rss=" + rssMb + " MB threads=" + threads + " fds=" + fds;
            }
        }

        long cpuTicks() throws IOException {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
        }

        Sample sample() throws IOException {
            long rss = 0;
            long threads = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                } else if (line.startsWith("Threads:")) {
                    threads = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                return new Sample(rss, threads, fds.count());
            }
        }
    }
}
