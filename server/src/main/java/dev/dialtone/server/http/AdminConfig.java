package dev.dialtone.server.http;

import com.typesafe.config.Config;

/**
 * The {@code dialtone.admin} section.
 *
 * @param token bearer token of {@code /admin/*}; empty turns the admin API off (never logged)
 */
public record AdminConfig(String token) {

    /** Shorter tokens can be guessed; 32 is what {@code openssl rand -hex 16} gives. */
    static final int MIN_TOKEN_LENGTH = 32;

    public AdminConfig {
        token = token.strip();
        if (!token.isEmpty() && token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("dialtone.admin.token (env DIALTONE_ADMIN_TOKEN) has " + token.length()
                    + " characters; use at least " + MIN_TOKEN_LENGTH + " (e.g. `openssl rand -hex 32`), or leave it"
                    + " empty to keep the admin API off");
        }
    }

    public static AdminConfig from(Config config) {
        return new AdminConfig(config.getString("dialtone.admin.token"));
    }

    public boolean enabled() {
        return !token.isEmpty();
    }

    @Override
    public String toString() {
        return "AdminConfig[" + (enabled() ? "on" : "off") + "]";
    }
}
