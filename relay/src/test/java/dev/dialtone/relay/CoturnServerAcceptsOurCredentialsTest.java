package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dialtone.common.TurnCredentials;
import dev.dialtone.common.TurnRestSecret;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The other way round: a real coturn started with {@code use-auth-secret} accepts what Dialtone's
 * common module mints, so an operator can swap the built-in relay for coturn with the same secret.
 */
class CoturnServerAcceptsOurCredentialsTest {

    private static final String SECRET = "shared-with-coturn";
    private static Process coturn;
    private static Process peer;
    private static int port;
    private static int peerPort;

    @BeforeAll
    static void start() throws Exception {
        port = RelayUnderTest.freePort();
        peerPort = RelayUnderTest.freePort();
        int minPort = RelayUnderTest.freePort();
        Path logDir = Files.createTempDirectory("coturn");
        coturn = CoturnTools.spawn("turnserver", "-n", "--listening-ip=127.0.0.1", "--listening-port=" + port,
                "--relay-ip=127.0.0.1", "--min-port=" + minPort, "--max-port=" + (minPort + 50),
                "--use-auth-secret", "--static-auth-secret=" + SECRET, "--realm=" + RelayUnderTest.REALM,
                "--fingerprint", "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls",
                "--log-file=" + logDir.resolve("turnserver.log"), "--simple-log", "--no-stdout-log",
                "--pidfile=" + logDir.resolve("turnserver.pid"));
        peer = CoturnTools.spawn("turnutils_peer", "-L", "127.0.0.1", "-p", String.valueOf(peerPort));
        waitForStun(port);
        assertTrue(coturn.isAlive(), "turnserver exited at start");
    }

    /** turnserver takes a moment to listen; a Binding answer says it does. */
    private static void waitForStun(int stunPort) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (TestClient probe = TestClient.udp(new InetSocketAddress("127.0.0.1", stunPort))) {
                TestClient.assertSuccess(probe.exchange(MessageFactory.createBindingRequest(), null));
                return;
            } catch (SocketTimeoutException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("turnserver did not answer STUN on port " + stunPort);
    }

    @AfterAll
    static void stop() throws Exception {
        CoturnTools.stop(coturn);
        CoturnTools.stop(peer);
    }

    private static CoturnTools.Result relayWith(String username, String password) throws Exception {
        return CoturnTools.uclient(Duration.ofSeconds(30), "-X", "-c", "-p", String.valueOf(port),
                "-u", username, "-w", password, "-m", "2", "-n", "200", "-l", "100", "-z", "5",
                "-e", "127.0.0.1", "-r", String.valueOf(peerPort), "127.0.0.1");
    }

    @Test
    void coturnRelaysForCredentialsMintedByCommon() throws Exception {
        TurnCredentials minted = new TurnRestSecret(SECRET).mint("alice", Duration.ofHours(1), Clock.systemUTC());
        CoturnTools.Result result = relayWith(minted.username(), minted.credential());
        long[] totals = result.sentAndReceived();
        assertEquals(400, totals[0], result.tail());
        assertEquals(400, totals[1], result.tail());
    }

    @Test
    void coturnRefusesCredentialsMintedWithAnotherSecret() throws Exception {
        TurnCredentials foreign = new TurnRestSecret("other").mint("alice", Duration.ofHours(1), Clock.systemUTC());
        CoturnTools.Result result = relayWith(foreign.username(), foreign.credential());
        assertTrue(result.output().contains("Cannot complete Allocation"), result.tail());
    }
}
