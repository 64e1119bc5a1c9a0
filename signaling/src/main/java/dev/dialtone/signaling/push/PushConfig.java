package dev.dialtone.signaling.push;

import com.typesafe.config.Config;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code dialtone.push} section and {@code dialtone.data-dir}: call webhooks to the app's
 * backend in the Standard Webhooks format. An empty {@code webhook-url} turns it all off.
 *
 * @param webhookUrl   where webhooks are POSTed; null when push is off
 * @param secret       {@code whsec_<base64>} signing secret (never logged)
 * @param events       webhook types sent, a subset of {@link #TYPES}
 * @param waitForWake  how long a call to a user with no device waits for one to connect
 * @param maxAge       how long a {@code call.cancelled} or {@code call.ended} is retried
 * @param dataDir      where the webhook outbox (SQLite) lives
 * @param timeout      connect and response timeout of one delivery attempt
 * @param retryMin     backoff after the first failed attempt; doubles per attempt, with jitter
 * @param retryMax     the longest backoff
 * @param maxHistory   most {@code call.ended} webhooks kept undelivered; the oldest are dropped past it
 * @param concurrency  most deliveries in flight at once while the receiver answers
 */
public record PushConfig(URI webhookUrl, String secret, Set<String> events, Duration waitForWake, Duration maxAge,
                         Path dataDir, Duration timeout, Duration retryMin, Duration retryMax, int maxHistory,
                         int concurrency) {

    public static final String INCOMING = "call.incoming";
    public static final String CANCELLED = "call.cancelled";
    public static final String ENDED = "call.ended";
    public static final Set<String> TYPES = Set.of(INCOMING, CANCELLED, ENDED);

    public PushConfig {
        events = Set.copyOf(events);
        if (webhookUrl != null) {
            String scheme = webhookUrl.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme) || webhookUrl.getHost() == null) {
                throw new IllegalArgumentException("dialtone.push.webhook-url must be an http:// or https:// URL");
            }
            WebhookSigner.check(secret);
            if (!TYPES.containsAll(events)) {
                throw new IllegalArgumentException("dialtone.push.events may only name " + TYPES + ", not " + events);
            }
            if (!events.contains(INCOMING)) {
                throw new IllegalArgumentException("dialtone.push.events must include " + INCOMING
                        + ": without it no device could be woken for a waiting call");
            }
            positive("wait", waitForWake);
            positive("max-age", maxAge);
            positive("timeout", timeout);
            positive("retry-min", retryMin);
            if (retryMax.compareTo(retryMin) < 0) {
                throw new IllegalArgumentException("dialtone.push.retry-max must not be shorter than retry-min");
            }
            if (maxHistory < 1 || concurrency < 1) {
                throw new IllegalArgumentException("dialtone.push.max-history and concurrency must be at least 1");
            }
        }
    }

    public static PushConfig from(Config config) {
        Config p = config.getConfig("dialtone.push");
        String url = p.getString("webhook-url").trim();
        List<String> events = p.getStringList("events");
        return new PushConfig(url.isEmpty() ? null : URI.create(url),
                p.hasPath("secret") ? p.getString("secret").trim() : "",
                new LinkedHashSet<>(events), p.getDuration("wait"), p.getDuration("max-age"),
                Path.of(config.getString("dialtone.data-dir")), p.getDuration("timeout"),
                p.getDuration("retry-min"), p.getDuration("retry-max"), p.getInt("max-history"),
                p.getInt("concurrency"));
    }

    /** Whether webhooks are sent and calls to users with no device wait for one to wake. */
    public boolean enabled() {
        return webhookUrl != null;
    }

    private static void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("dialtone.push." + key + " must be positive");
        }
    }

    /** Where webhooks go, without path, query or credentials: what logs may show. */
    public String receiver() {
        return enabled() ? webhookUrl.getScheme() + "://" + webhookUrl.getHost()
                + (webhookUrl.getPort() < 0 ? "" : ":" + webhookUrl.getPort()) : "off";
    }

    @Override
    public String toString() {
        return "PushConfig[webhookUrl=" + receiver()
                + ", events=" + events + ", wait=" + waitForWake + ", maxAge=" + maxAge + ", dataDir=" + dataDir + "]";
    }
}
