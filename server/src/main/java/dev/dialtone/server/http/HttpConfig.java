package dev.dialtone.server.http;

import com.typesafe.config.Config;
import dev.dialtone.common.SettingChecks;
import com.typesafe.config.ConfigException;
import dev.dialtone.relay.policy.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * The {@code dialtone.http} section.
 *
 * @param host           listening address
 * @param port           health, metrics and test-call page
 * @param devTokens      whether {@code /dev/token} hands out client tokens to anyone who asks
 * @param trustedProxies proxies whose {@code X-Forwarded-Host} / {@code X-Forwarded-For} are believed
 */
public record HttpConfig(String host, int port, boolean devTokens, List<Cidr> trustedProxies) {

    public HttpConfig {
        SettingChecks.port("dialtone.http.port", port);
        trustedProxies = List.copyOf(trustedProxies);
    }

    public static HttpConfig from(Config config) {
        Config http = config.getConfig("dialtone.http");
        return new HttpConfig(http.getString("host"), http.getInt("port"), http.getBoolean("dev-tokens"),
                http.getStringList("trusted-proxies").stream().map(c -> proxy(http, c)).toList());
    }

    private static Cidr proxy(Config http, String range) {
        try {
            return Cidr.parse(range);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(http.origin(), "trusted-proxies", e.getMessage(), e);
        }
    }

    public boolean trustedProxy(InetAddress address) {
        return trustedProxies.stream().anyMatch(c -> c.contains(address));
    }
}
