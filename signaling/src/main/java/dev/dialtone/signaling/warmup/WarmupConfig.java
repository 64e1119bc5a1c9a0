package dev.dialtone.signaling.warmup;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code dialtone.signaling.warmup} section.
 *
 * @param calls   calls placed on a private loopback server before the port opens; 0: none
 * @param maxTime the most the warm-up may take; the server then starts as it is
 */
public record WarmupConfig(int calls, Duration maxTime) {

    public WarmupConfig {
        if (calls < 0) {
            throw new IllegalArgumentException("dialtone.signaling.warmup.calls must be 0 (off) or more, not " + calls);
        }
        if (maxTime.isNegative() || maxTime.isZero()) {
            throw new IllegalArgumentException("dialtone.signaling.warmup.max-time must be positive, not " + maxTime);
        }
    }

    public static WarmupConfig from(Config config) {
        Config w = config.getConfig("dialtone.signaling.warmup");
        return new WarmupConfig(w.getInt("calls"), w.getDuration("max-time"));
    }

    public boolean enabled() {
        return calls > 0;
    }
}
