package dev.dialtone.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.signaling.SignalingConfig;
import dev.dialtone.signaling.SignalingServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts Dialtone from one configuration: defaults, then -Dconfig.file, then -Dkey=value. */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        Config config = ConfigFactory.load();
        try {
            Dialtone dialtone = Dialtone.start(config);
            Runtime.getRuntime().addShutdownHook(new Thread(dialtone::close, "dialtone-shutdown"));
        } catch (RuntimeException e) {
            log.error("Dialtone failed to start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }

    /** The running services, closed in reverse order of start. */
    record Dialtone(SignalingServer signaling) implements AutoCloseable {

        static Dialtone start(Config config) {
            TurnConfig turn = AdvertisedTurnUrls.complete(TurnConfig.from(config), config);
            SignalingServer signaling = new SignalingServer(SignalingConfig.from(config), turn);
            signaling.start();
            log.info("Dialtone started; iceServers advertise {}", turn.urls());
            return new Dialtone(signaling);
        }

        @Override
        public void close() {
            log.info("Dialtone stopping");
            signaling.close();
        }
    }
}
