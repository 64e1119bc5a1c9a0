package dev.dialtone.signaling;

import com.typesafe.config.Config;
import dev.dialtone.common.Secrets;
import dev.dialtone.common.SettingChecks;
import dev.dialtone.signaling.cluster.ClusterConfig;
import dev.dialtone.signaling.push.PushConfig;
import java.time.Duration;

/**
 * The {@code dialtone.signaling} and {@code dialtone.auth} sections.
 *
 * @param host         listening address
 * @param port         Socket.IO port
 * @param ringTimeout  how long a call may ring unanswered
 * @param pingInterval Engine.IO ping interval
 * @param pingTimeout  Engine.IO ping timeout
 * @param allowEio3    serve Engine.IO v3 (Socket.IO v2) clients, authenticated by their query token
 * @param eventLoops   threads that serve the Socket.IO connections
 * @param limits       input bounds
 * @param auth         client token verification
 * @param cluster      the Redis shared with other nodes, if any
 * @param push         webhooks to the app's backend and calls that wait for a device to wake, if on
 */
public record SignalingConfig(String host, int port, Duration ringTimeout, Duration pingInterval,
                              Duration pingTimeout, boolean allowEio3, int eventLoops, Limits limits, Auth auth,
                              ClusterConfig cluster, PushConfig push) {

    public SignalingConfig {
        SettingChecks.port("dialtone.signaling.port", port);
        SettingChecks.positive("dialtone.signaling.event-loops", eventLoops);
    }

    /** Bounds on what one client may send. */
    public record Limits(int maxSignalBytes, int maxCandidateBytes, int maxCheckOnline,
                         int callsPerMinute, int maxSocketsPerUser) {
        public Limits {
            SettingChecks.positive("dialtone.signaling.limits.max-signal-bytes", maxSignalBytes);
            SettingChecks.positive("dialtone.signaling.limits.max-candidate-bytes", maxCandidateBytes);
            SettingChecks.positive("dialtone.signaling.limits.max-check-online", maxCheckOnline);
            SettingChecks.positive("dialtone.signaling.limits.calls-per-minute", callsPerMinute);
            SettingChecks.positive("dialtone.signaling.limits.max-sockets-per-user", maxSocketsPerUser);
        }
    }

    /**
     * @param jwtSecret HS256 secret (never logged)
     * @param userClaim claim holding the user id
     * @param clockSkew tolerance for exp/nbf
     */
    public record Auth(String jwtSecret, String userClaim, Duration clockSkew) {
        @Override
        public String toString() {
            return "Auth[userClaim=" + userClaim + ", clockSkew=" + clockSkew + "]";
        }
    }

    public static SignalingConfig from(Config config) {
        Config s = config.getConfig("dialtone.signaling");
        Config l = s.getConfig("limits");
        Config a = config.getConfig("dialtone.auth");
        return new SignalingConfig(
                s.getString("host"),
                s.getInt("port"),
                s.getDuration("ring-timeout"),
                s.getDuration("ping-interval"),
                s.getDuration("ping-timeout"),
                s.getBoolean("allow-eio3"),
                s.getInt("event-loops"),
                new Limits(l.getInt("max-signal-bytes"), l.getInt("max-candidate-bytes"),
                        l.getInt("max-check-online"), l.getInt("calls-per-minute"),
                        l.getInt("max-sockets-per-user")),
                new Auth(Secrets.orRandom(config, "dialtone.auth.jwt-secret", "DIALTONE_JWT_SECRET"),
                        a.getString("user-claim"), a.getDuration("clock-skew")),
                ClusterConfig.from(config), PushConfig.from(config));
    }
}
