package dev.dialtone.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dialtone.server.edge.EdgeStamp;
import dev.dialtone.signaling.auth.ClientTokenIssuer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's and developer's HTTP side: liveness, readiness, Prometheus metrics, and the
 * test-call page with what it needs (its config, dev tokens when enabled). Small and rarely hit,
 * so the JDK's own HTTP server serves it.
 */
public final class OpsHttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpsHttpServer.class);
    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Duration DEV_TOKEN_LIFETIME = Duration.ofHours(1);
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");
    private static final Pattern HOST_AND_PORT = Pattern.compile("(" + HOST.pattern() + ")(:[0-9]{1,5})?");

    /** What the server reports on; each part comes from the service that owns it. */
    public interface Status {
        /** True once every service is listening. */
        boolean ready();

        /** The Prometheus text exposition of every metric. */
        String metrics();
    }

    private final HttpConfig config;
    private final boolean admin;
    private final boolean page;
    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * The test-call page and what it needs, on a node that serves calls.
     *
     * @param signalingPort advertised to the page
     * @param devTokens     token issuer for the page, used only when {@code config.devTokens()}
     */
    public record TestCallPage(int signalingPort, DevTokens devTokens) {
    }

    /**
     * @param page  null on a relay-only node: no page, its config or dev tokens (404)
     * @param admin served under /admin/ only when it has a token: otherwise those paths are 404
     * @param edge  tells requests the edge port passed on, whose page connects back through it
     */
    public OpsHttpServer(HttpConfig config, Status status, TestCallPage page, AdminApi admin, EdgeStamp edge)
            throws IOException {
        this.config = config;
        this.page = page != null;
        this.admin = admin.enabled();
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        StaticFiles files = new StaticFiles();
        BooleanSupplier ready = status::ready;

        server.createContext("/healthz", ex -> send(ex, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", ex -> {
            boolean up = ready.getAsBoolean();
            send(ex, up ? 200 : 503, "text/plain", up ? "ready\n" : "not ready\n");
        });
        server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", status.metrics()));
        if (admin.enabled()) {
            server.createContext(AdminApi.PATH, admin);
        }
        if (page == null) {
            server.createContext("/", ex -> send(ex, 404, "text/plain",
                    "not found: a relay-only node serves /healthz, /readyz and /metrics (dialtone.signaling.enabled = false)\n"));
            return;
        }
        server.createContext("/config.json", ex -> send(ex, 200, "application/json",
                "{\"signalingUrl\":\"" + signalingUrl(ex, page.signalingPort(), edge) + "\"}"));
        server.createContext("/dev/token", ex -> {
            Optional<String> user = query(ex.getRequestURI(), "user");
            if (!config.devTokens()) {
                send(ex, 404, "text/plain", "dev tokens are off (dialtone.http.dev-tokens)\n");
            } else if (user.isEmpty() || !USER_ID.matcher(user.get()).matches()) {
                send(ex, 400, "text/plain", "user must be 1-64 characters of A-Z a-z 0-9 . _ @ -\n");
            } else {
                send(ex, 200, "application/json", "{\"token\":\"" + page.devTokens().tokenFor(user.get()) + "\"}");
            }
        });
        server.createContext("/", ex -> {
            Optional<StaticFiles.File> file = "GET".equals(ex.getRequestMethod())
                    ? files.find(ex.getRequestURI().getPath()) : Optional.empty();
            if (file.isPresent()) {
                send(ex, 200, file.get().contentType(), file.get().bytes());
            } else {
                send(ex, 404, "text/plain", "not found\n");
            }
        });
    }

    /** Signs tokens for the test-call page. */
    @FunctionalInterface
    public interface DevTokens {
        String tokenFor(String userId);
    }

    public static DevTokens devTokens(String jwtSecret, String userClaim) {
        ClientTokenIssuer issuer = new ClientTokenIssuer(jwtSecret, userClaim, Clock.systemUTC());
        return userId -> issuer.tokenFor(userId, DEV_TOKEN_LIFETIME);
    }

    public void start() {
        server.start();
        log.info("http listening on {}:{} (/healthz /readyz /metrics{}{}){}", config.host(), config.port(),
                admin ? " " + AdminApi.PATH + " with the admin token" : "", page ? " and the test-call page" : "",
                page && config.devTokens() ? "; DEV TOKENS ENABLED: anyone can sign in as anyone" : "");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** The signaling port at the host the page came from; through the edge port, the page's own origin. */
    private static String signalingUrl(HttpExchange ex, int signalingPort, EdgeStamp edge) {
        Optional<EdgeStamp.EdgeClient> viaEdge = edge.read(ex.getRequestHeaders().getFirst(EdgeStamp.HEADER));
        String host = ex.getRequestHeaders().getFirst("Host");
        if (viaEdge.isPresent() && host != null && HOST_AND_PORT.matcher(host).matches()) {
            return (viaEdge.get().tls() ? "https://" : "http://") + host;
        }
        return "http://" + hostOf(ex) + ":" + signalingPort;
    }

    private static String hostOf(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || host.isBlank()) {
            return ex.getLocalAddress().getAddress().getHostAddress();
        }
        int colon = host.lastIndexOf(':');
        String name = colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
        return HOST.matcher(name).matches() ? name : ex.getLocalAddress().getAddress().getHostAddress();
    }

    private static Optional<String> query(URI uri, String name) {
        String raw = uri.getRawQuery();
        if (raw == null) {
            return Optional.empty();
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        try (ex) {
            ex.getResponseHeaders().set("Content-Type", type);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            // the JDK server closes after such a request without saying so; the client must know
            // (the edge port asks for it: one request per connection)
            if ("close".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Connection"))) {
                ex.getResponseHeaders().set("Connection", "close");
            }
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
