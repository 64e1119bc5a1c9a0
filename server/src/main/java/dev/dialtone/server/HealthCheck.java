package dev.dialtone.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.server.http.HttpConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The container's health check: asks {@code /readyz} on the HTTP port of the configuration the
 * server reads (defaults, {@code -Dconfig.file}, {@code -Dkey=value} from JDK_JAVA_OPTIONS), so
 * that an operator who moves {@code dialtone.http.port} moves the check with it. Exit 0 when
 * ready, 1 otherwise; the one line printed is what {@code docker inspect} shows.
 */
public final class HealthCheck {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private HealthCheck() {
    }

    public static void main(String[] args) {
        System.exit(check(ConfigFactory.load(), System.out));
    }

    /** Asks the server the configuration describes; returns the process exit code. */
    static int check(Config config, PrintStream out) {
        URI readyz;
        try {
            readyz = readyz(HttpConfig.from(config));
        } catch (RuntimeException | URISyntaxException | IOException e) {
            out.println("unhealthy: dialtone.http is not usable: " + e.getMessage());
            return 1;
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        try {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(readyz).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            boolean ready = response.statusCode() == 200;
            out.println((ready ? "healthy: " : "unhealthy: ") + readyz + " answered " + response.statusCode()
                    + " " + response.body().strip());
            return ready ? 0 : 1;
        } catch (IOException e) {
            out.println("unhealthy: " + readyz + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("unhealthy: interrupted");
            return 1;
        }
    }

    /** A wildcard listen address is asked on loopback; a concrete one on itself. */
    static URI readyz(HttpConfig http) throws URISyntaxException, IOException {
        InetAddress listen = InetAddress.getByName(http.host());
        InetAddress target = listen.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : listen;
        return new URI("http", null, target.getHostAddress(), http.port(), "/readyz", null, null);
    }
}
