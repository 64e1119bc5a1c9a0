package dev.dialtone.relay;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.TurnConfig;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** A relay started in-process on loopback, on ports that were free a moment ago. */
public final class RelayUnderTest implements AutoCloseable {

    public static final String SECRET = "test-secret-for-relay";
    public static final String REALM = "dialtone-test";

    public final int port;
    public final int tlsPort;
    public final RelayConfig config;
    public final TurnConfig turn;
    public final TurnServer server;

    private RelayUnderTest(Map<String, Object> overrides, Clock clock) throws IOException {
        this.port = freePort();
        this.tlsPort = freePort();
        int minPort = relayPortBase();
        Map<String, Object> values = new HashMap<>();
        values.put("dialtone.relay.listen-addresses", java.util.List.of("127.0.0.1"));
        values.put("dialtone.relay.port", port);
        values.put("dialtone.relay.tls-port", tlsPort);
        values.put("dialtone.relay.min-port", minPort);
        values.put("dialtone.relay.max-port", minPort + 99);
        values.put("dialtone.relay.allow-loopback-peers", true);
        values.put("dialtone.turn.secret", SECRET);
        values.put("dialtone.turn.realm", REALM);
        values.putAll(overrides);
        Config root = ConfigFactory.parseMap(values).withFallback(ConfigFactory.defaultReference()).resolve();
        this.config = RelayConfig.from(root);
        this.turn = TurnConfig.from(root);
        this.server = new TurnServer(config, turn, clock);
        server.start();
    }

    /** Loopback, loopback peers allowed, 100 relay ports; {@code overrides} are config paths. */
    public static RelayUnderTest start(Map<String, Object> overrides) throws IOException {
        return new RelayUnderTest(overrides, Clock.systemUTC());
    }

    public static RelayUnderTest start(Map<String, Object> overrides, Clock clock) throws IOException {
        return new RelayUnderTest(overrides, clock);
    }

    /** The first listen address with the STUN/TURN port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(config.listenAddresses().get(0), port);
    }

    /**
     * The first of this test JVM's 100 relay ports: below Linux's ephemeral range (32768+), so no
     * relayed port is ever a client's port too, and apart from other JVMs' tests by process id.
     */
    public static int relayPortBase() {
        return 20000 + (int) (ProcessHandle.current().pid() % 120) * 100;
    }

    /** A port free for both UDP and TCP right now. */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int candidate = tcp.getLocalPort();
                try {
                    new DatagramSocket(candidate, InetAddress.getLoopbackAddress()).close();
                    return candidate;
                } catch (IOException taken) {
                    // UDP side in use: try another
                }
            }
        }
        throw new IOException("no free port");
    }

    @Override
    public void close() {
        server.close();
    }
}
