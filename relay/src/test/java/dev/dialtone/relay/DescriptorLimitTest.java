package dev.dialtone.relay;

import static dev.dialtone.relay.TestClient.assertSuccess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.common.TurnRestSecret;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;

/**
 * A relay out of file descriptors (a process limit of 128, set with ulimit for a relay process of
 * the test's own): TCP connections it cannot accept wait in the backlog, the failed accepts are
 * logged once, not once per retry, and once descriptors are free again it serves TCP clients.
 */
class DescriptorLimitTest {

    private static final int DESCRIPTORS = 128;
    private static final int CONNECTIONS = 200;

    /** The relay process: configured by -D settings, serves until its stdin closes. */
    public static final class Relay {
        public static void main(String[] args) throws Exception {
            var root = ConfigFactory.load();
            try (TurnServer server = new TurnServer(RelayConfig.from(root), TurnConfig.from(root))) {
                server.start();
                System.out.println("relay ready");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the test closes our stdin
                }
            }
        }
    }

    @Test
    void outOfDescriptorsTcpWaitsInTheBacklogWithOneLogLineAndRecovers() throws Exception {
        int port = RelayUnderTest.freePort();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of("bash", "-c", "ulimit -n " + DESCRIPTORS + " && exec \"$@\"", "relay", javaBin,
                "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                "-Ddialtone.relay.listen-addresses.0=127.0.0.1", "-Ddialtone.relay.port=" + port,
                "-Ddialtone.relay.tls-port=0", "-Ddialtone.relay.udp-threads=1",
                "-Ddialtone.relay.min-port=" + RelayUnderTest.relayPortBase(),
                "-Ddialtone.relay.max-port=" + (RelayUnderTest.relayPortBase() + 99),
                "-Ddialtone.relay.allow-loopback-peers=true", "-Ddialtone.turn.secret=" + RelayUnderTest.SECRET,
                "-Ddialtone.turn.realm=" + RelayUnderTest.REALM, Relay.class.getName());
        Process relay = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (java.io.IOException ended) {
                // the process ended
            }
        });
        List<Socket> connections = new ArrayList<>();
        try {
            awaitLine(output, "relay ready", Duration.ofSeconds(60));
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.connect(address, 5000); // the kernel completes it into the backlog
                connections.add(socket);
            }
            awaitLine(output, "accept failed (1 since the last line): java.io.IOException: Too many open files",
                    Duration.ofSeconds(30));
            // the listener keeps retrying every 100 ms meanwhile: a second's retries, no second line
            Thread.sleep(1500);
            assertEquals(1, output.stream().filter(line -> line.contains("accept failed")).count(), output.toString());

            for (Socket socket : connections) {
                socket.close();
            }
            connections.clear();
            // descriptors come back as the relay sees those connections close: a TURN/TCP client is served again
            try (TestClient client = TestClient.tcp(address)) {
                client.receiveTimeout(30_000);
                client.useCredentials(new TurnRestSecret(RelayUnderTest.SECRET).mint("alice", Duration.ofHours(1),
                        Clock.systemUTC()));
                assertSuccess(client.authenticated(MessageFactory.createAllocateRequest((byte) 17, false)));
            }
            assertTrue(output.stream().noneMatch(line -> line.contains(" ERROR ")), output.toString());
        } finally {
            for (Socket socket : connections) {
                socket.close();
            }
            relay.getOutputStream().close();
            if (!relay.waitFor(10, TimeUnit.SECONDS)) {
                relay.destroyForcibly();
            }
            reader.join(5000);
        }
    }

    private static void awaitLine(List<String> output, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (output.stream().noneMatch(line -> line.contains(text))) {
            assertTrue(System.nanoTime() < deadline, "no line with \"" + text + "\" in " + output);
            Thread.sleep(20);
        }
    }
}
