package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * coturn's own clients against Dialtone's relay on loopback: the proof that an independent TURN
 * implementation interoperates, over every transport, with and without channels.
 */
class CoturnClientsTest {

    private static RelayUnderTest relay;
    private static Process peer;
    private static int peerPort;

    @BeforeAll
    static void start() throws Exception {
        relay = RelayUnderTest.start(Map.of("dialtone.relay.user-quota", 0));
        peerPort = RelayUnderTest.freePort();
        peer = CoturnTools.spawn("turnutils_peer", "-L", "127.0.0.1", "-p", String.valueOf(peerPort));
        Thread.sleep(300);
        assertTrue(peer.isAlive(), "turnutils_peer exited at start");
    }

    @AfterAll
    static void stop() {
        if (peer != null) {
            peer.destroy();
        }
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void stunclientGetsItsMappedAddress() throws Exception {
        CoturnTools.Result result = CoturnTools.run(Duration.ofSeconds(20), "turnutils_stunclient",
                "-p", String.valueOf(relay.port), "127.0.0.1");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("UDP reflexive addr: 127.0.0.1:"), result.output());
    }

    private static String[] uclientArgs(int port, String secret, int clients, int messages, String... extra) {
        List<String> args = new ArrayList<>(List.of("-X", "-c", "-p", String.valueOf(port), "-W", secret,
                "-u", "alice", "-m", String.valueOf(clients), "-n", String.valueOf(messages), "-l", "120", "-z", "5",
                "-e", "127.0.0.1", "-r", String.valueOf(peerPort)));
        args.addAll(List.of(extra));
        args.add("127.0.0.1");
        return args.toArray(String[]::new);
    }

    @Test
    void aWrongSecretIsRefusedAndNothingIsRelayed() throws Exception {
        long before = relay.server.counters().relayedPackets();
        CoturnTools.Result result = CoturnTools.uclient(Duration.ofSeconds(30),
                uclientArgs(relay.port, "not-the-secret", 1, 20));
        assertTrue(result.output().contains("Cannot complete Allocation"), result.tail());
        assertEquals(before, relay.server.counters().relayedPackets());
    }

    @Test
    void aLoopbackPeerIsRefusedUnlessAllowed() throws Exception {
        try (RelayUnderTest strict = RelayUnderTest.start(Map.of("dialtone.relay.allow-loopback-peers", false))) {
            CoturnTools.Result result = CoturnTools.uclient(Duration.ofSeconds(30),
                    uclientArgs(strict.port, RelayUnderTest.SECRET, 1, 20));
            assertTrue(result.output().contains("error 403"), result.tail());
            assertEquals(0, strict.server.counters().relayedPackets());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"udp, channel", "udp, send", "tcp, channel", "tcp, send", "tls, channel", "tls, send"})
    void uclientRelaysThousandsOfMessagesWithoutLoss(String transport, String mode) throws Exception {
        int clients = 5;
        int messages = 400;
        List<String> extra = new ArrayList<>();
        if (!transport.equals("udp")) {
            extra.add("-t");
        }
        if (transport.equals("tls")) {
            extra.add("-S");
        }
        if (mode.equals("send")) {
            extra.add("-s");
        }
        CoturnTools.Result result = CoturnTools.uclient(Duration.ofSeconds(60),
                uclientArgs(transport.equals("tls") ? relay.tlsPort : relay.port, RelayUnderTest.SECRET,
                        clients, messages, extra.toArray(String[]::new)));
        long[] totals = result.sentAndReceived();
        assertEquals((long) clients * messages, totals[0], "sent\n" + result.tail());
        assertEquals(totals[0], totals[1], "loss\n" + result.tail());
    }

    /**
     * Several UDP loops on one port (SO_REUSEPORT): the kernel spreads the clients over them, and
     * each loop must answer, allocate and relay for its own. The default is one loop on a machine
     * of 2 CPUs, so this path runs only when asked for.
     */
    @Test
    void uclientRelaysWithoutLossThroughSeveralUdpLoops() throws Exception {
        int clients = 20;
        int messages = 100;
        try (RelayUnderTest loops = RelayUnderTest.start(Map.of("dialtone.relay.udp-threads", 4,
                "dialtone.relay.user-quota", 0))) {
            assertEquals(4, loops.config.udpLoops(Runtime.getRuntime().availableProcessors()));
            CoturnTools.Result result = CoturnTools.uclient(Duration.ofSeconds(60),
                    uclientArgs(loops.port, RelayUnderTest.SECRET, clients, messages));
            long[] totals = result.sentAndReceived();
            assertEquals((long) clients * messages, totals[0], "sent\n" + result.tail());
            assertEquals(totals[0], totals[1], "loss\n" + result.tail());
        }
    }
}
