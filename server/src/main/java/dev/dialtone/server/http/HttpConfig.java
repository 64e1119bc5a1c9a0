package dev.dialtone.server.http;

import com.typesafe.config.Config;
import dev.dialtone.common.SettingChecks;

/**
 * The {@code dialtone.http} section.
 *
 * @param host      listening address
 * @param port      health, metrics and test-call page
 * @param devTokens whether {@code /dev/token} hands out client tokens to anyone who asks
 */
public record HttpConfig(String host, int port, boolean devTokens) {

    public HttpConfig {
        SettingChecks.port("dialtone.http.port", port);
    }

    public static HttpConfig from(Config config) {
        Config http = config.getConfig("dialtone.http");
        return new HttpConfig(http.getString("host"), http.getInt("port"), http.getBoolean("dev-tokens"));
    }
}
