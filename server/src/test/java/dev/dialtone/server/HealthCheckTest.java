package dev.dialtone.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.server.edge.EdgeStamp;
import dev.dialtone.server.http.AdminApi;
import dev.dialtone.server.http.AdminConfig;
import dev.dialtone.server.http.HttpConfig;
import dev.dialtone.server.http.OpsHttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The image's HEALTHCHECK against the real ops HTTP server, on whatever port the config names. */
class HealthCheckTest {

    private final AtomicBoolean ready = new AtomicBoolean();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private OpsHttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthyWhenTheConfiguredPortAnswersReady() throws IOException {
        int port = serve();
        ready.set(true);
        // the server's default listen address: the check asks loopback
        assertEquals(0, check(Map.of("dialtone.http.host", "0.0.0.0", "dialtone.http.port", port)), printed());
        assertTrue(printed().startsWith("healthy: http://127.0.0.1:" + port + "/readyz answered 200 ready"), printed());
    }

    @Test
    void unhealthyWhileTheServerIsNotReady() throws IOException {
        int port = serve();
        assertEquals(1, check(Map.of("dialtone.http.host", "127.0.0.1", "dialtone.http.port", port)), printed());
        assertTrue(printed().startsWith("unhealthy: http://127.0.0.1:" + port + "/readyz answered 503 not ready"), printed());
    }

    @Test
    void unhealthyWhenTheConfiguredPortIsNotTheServers() throws IOException {
        serve();
        ready.set(true);
        int elsewhere = freePort();
        assertEquals(1, check(Map.of("dialtone.http.host", "127.0.0.1", "dialtone.http.port", elsewhere)), printed());
        assertTrue(printed().startsWith("unhealthy: http://127.0.0.1:" + elsewhere + "/readyz: java.net.ConnectException"), printed());
    }

    @Test
    void unhealthyWithAListenAddressThatDoesNotResolve() {
        assertEquals(1, check(Map.of("dialtone.http.host", "no-such-host.invalid")), printed());
        assertTrue(printed().startsWith("unhealthy: dialtone.http is not usable: "), printed());
    }

    private int serve() throws IOException {
        int port = freePort();
        server = new OpsHttpServer(new HttpConfig("127.0.0.1", port, false, List.of()), new OpsHttpServer.Status() {
            @Override
            public boolean ready() {
                return ready.get();
            }

            @Override
            public String metrics() {
                return "";
            }
        }, new OpsHttpServer.TestCallPage(4002, user -> "unused"), new AdminApi(new AdminConfig(""), null),
                new EdgeStamp()); // admin API off
        server.start();
        return port;
    }

    private int check(Map<String, Object> settings) {
        Config config = ConfigFactory.parseMap(settings).withFallback(ConfigFactory.defaultReference()).resolve();
        return HealthCheck.check(config, new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
