package dev.dialtone.server.edge;

import com.typesafe.config.Config;
import dev.dialtone.common.SettingChecks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code dialtone.edge} section: one port for everything a client needs, for networks that let
 * only TCP 443 out.
 *
 * @param host     listening address of the TCP port
 * @param port     0: no edge port
 * @param certFile PEM certificate chain for TLS on the port (with {@code keyFile}); empty: plain only
 * @param keyFile  its PEM private key
 * @param udp      STUN/TURN over UDP on the same port number too (the relay's listen addresses)
 */
public record EdgeConfig(String host, int port, Optional<Path> certFile, Optional<Path> keyFile, boolean udp) {

    public EdgeConfig {
        SettingChecks.port("dialtone.edge.port", port);
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw new IllegalArgumentException("dialtone.edge.cert-file and dialtone.edge.key-file go together");
        }
        if (port != 0) {
            certFile.ifPresent(file -> requireFile("cert-file", file));
            keyFile.ifPresent(file -> requireFile("key-file", file));
        }
    }

    public static EdgeConfig from(Config root) {
        Config c = root.getConfig("dialtone.edge");
        return new EdgeConfig(c.getString("host"), c.getInt("port"), path(c, "cert-file"), path(c, "key-file"),
                c.getBoolean("udp"));
    }

    public boolean enabled() {
        return port != 0;
    }

    /** Whether the port speaks TLS (HTTPS, wss, TURN over TLS) besides plain HTTP and TURN over TCP. */
    public boolean tls() {
        return certFile.isPresent();
    }

    private static Optional<Path> path(Config c, String key) {
        String value = c.getString(key).trim();
        return value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
    }

    private static void requireFile(String key, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("dialtone.edge." + key + " = " + file
                    + ": not found; give the path of a PEM file (certbot: fullchain.pem and privkey.pem)");
        }
    }
}
