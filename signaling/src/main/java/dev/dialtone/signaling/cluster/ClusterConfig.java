package dev.dialtone.signaling.cluster;

import com.typesafe.config.Config;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * The {@code dialtone.cluster} section: the Redis that several nodes share. An empty
 * {@code redis-url} means one node keeping everything in memory.
 *
 * @param redisUrl          {@code redis://[:password@]host:port[/db]} or {@code rediss://...} (TLS); may hold a secret
 * @param nodeTtl           how long a node counts as alive after its last heartbeat
 * @param heartbeatInterval how often a node refreshes its TTL and clears nodes whose TTL ran out
 * @param keyPrefix         prefix of every Redis key and channel, so clusters can share a Redis
 */
public record ClusterConfig(String redisUrl, Duration nodeTtl, Duration heartbeatInterval, String keyPrefix) {

    public ClusterConfig {
        if (!redisUrl.isBlank() && !isRedisUrl(redisUrl)) {
            // The value is not repeated: it may hold the Redis password.
            throw new IllegalArgumentException("dialtone.cluster.redis-url (env DIALTONE_REDIS_URL) is not a Redis URL;"
                    + " give redis://[:password@]host:port[/db] or rediss://... for TLS, or leave it empty for one node");
        }
        if (!redisUrl.isBlank() && heartbeatInterval.compareTo(nodeTtl) >= 0) {
            throw new IllegalArgumentException("dialtone.cluster.heartbeat-interval (" + heartbeatInterval
                    + ") must be shorter than dialtone.cluster.node-ttl (" + nodeTtl + ")");
        }
    }

    public static ClusterConfig from(Config config) {
        Config c = config.getConfig("dialtone.cluster");
        return new ClusterConfig(c.getString("redis-url").trim(), c.getDuration("node-ttl"),
                c.getDuration("heartbeat-interval"), c.getString("key-prefix"));
    }

    private static boolean isRedisUrl(String url) {
        try {
            URI uri = new URI(url);
            String path = uri.getPath() == null ? "" : uri.getPath();
            return ("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null
                    && (path.isEmpty() || path.equals("/") || path.matches("/\\d{1,5}"));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Whether the nodes share their state through Redis. */
    public boolean enabled() {
        return !redisUrl.isBlank();
    }

    /** Where Redis is, without credentials: what logs may show. */
    public String redisAddress() {
        URI uri = URI.create(redisUrl);
        return uri.getScheme() + "://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
    }

    /** The longest a dead node's sockets may still count as connected: TTL plus one sweep interval. */
    public Duration cleanupBound() {
        return nodeTtl.plus(heartbeatInterval);
    }

    @Override
    public String toString() {
        return "ClusterConfig[redis=" + (enabled() ? redisAddress() : "off") + ", nodeTtl=" + nodeTtl
                + ", heartbeatInterval=" + heartbeatInterval + ", keyPrefix=" + keyPrefix + "]";
    }
}
