package dev.dialtone.common;

import com.typesafe.config.Config;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads secrets from configuration, falling back to a random one for a local trial. */
public final class Secrets {

    private static final Logger log = LoggerFactory.getLogger(Secrets.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /**
     * The secret at {@code path}, or a fresh random one when none is configured. A random secret
     * is fine for trying the server on one machine and useless for anything else (tokens minted
     * elsewhere and an external coturn cannot know it), so it is announced in one loud line.
     */
    public static String orRandom(Config config, String path, String envName) {
        if (configured(config, path)) {
            return config.getString(path);
        }
        log.warn("!!! NO SECRET CONFIGURED for {} (set env {}): using a RANDOM secret for this run only;"
                + " fine for a local trial, not for production !!!", path, envName);
        return random();
    }

    /** True when {@code path} holds a secret: present and not blank (an unset env variable leaves it blank). */
    public static boolean configured(Config config, String path) {
        return config.hasPath(path) && !config.getString(path).isBlank();
    }

    /** 256 random bits, hex: long enough for HS256 and for the TURN REST HMAC. */
    public static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
