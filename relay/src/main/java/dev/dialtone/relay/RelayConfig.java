package dev.dialtone.relay;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.dialtone.relay.policy.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code dialtone.relay} section, checked once at start so that a typo fails loudly instead of
 * surfacing as a strange relay. Defaults and the meaning of each key: {@code reference.conf}.
 *
 * @param udpThreads   UDP loops per listen address; 0 means {@link #udpLoops} picks from the processors
 * @param ioUring      whether a UDP loop sends what clients relay to peers through io_uring where it can
 * @param relayAddress empty means "derive it" ({@link TurnServer} picks one at start)
 * @param tlsPort      0 switches TLS off
 * @param tlsCertFile  empty (with {@code tlsKeyFile}) means "self-signed at start"
 * @param userQuota    0 means unlimited; likewise {@code totalQuota} and {@code maxBytesPerSecond}
 */
public record RelayConfig(
        boolean enabled,
        List<InetAddress> listenAddresses,
        int port,
        int udpThreads,
        boolean ioUring,
        int tlsPort,
        Optional<Path> tlsCertFile,
        Optional<Path> tlsKeyFile,
        Optional<InetAddress> relayAddress,
        int minPort,
        int maxPort,
        Optional<InetAddress> externalIp,
        boolean allowLoopbackPeers,
        List<Cidr> allowedPeerCidrs,
        int userQuota,
        int totalQuota,
        long maxBytesPerSecond,
        Duration defaultLifetime,
        Duration maxLifetime,
        Duration nonceLifetime) {

    public RelayConfig {
        listenAddresses = List.copyOf(listenAddresses);
        allowedPeerCidrs = List.copyOf(allowedPeerCidrs);
        if (listenAddresses.isEmpty()) {
            throw new IllegalArgumentException("dialtone.relay.listen-addresses must not be empty");
        }
        checkPort("port", port, false);
        checkPort("tls-port", tlsPort, true);
        checkPort("min-port", minPort, false);
        checkPort("max-port", maxPort, false);
        if (minPort > maxPort) {
            throw new IllegalArgumentException("dialtone.relay.min-port must not exceed max-port");
        }
        if (tlsCertFile.isPresent() != tlsKeyFile.isPresent()) {
            throw new IllegalArgumentException("dialtone.relay.tls-cert-file and tls-key-file go together");
        }
        if (tlsPort != 0) {
            tlsCertFile.ifPresent(file -> requireFile("tls-cert-file", file));
            tlsKeyFile.ifPresent(file -> requireFile("tls-key-file", file));
        }
        if (udpThreads < 0) {
            throw new IllegalArgumentException("dialtone.relay.udp-threads must be 0 (one per two CPUs) or positive");
        }
        if (userQuota < 0 || totalQuota < 0 || maxBytesPerSecond < 0) {
            throw new IllegalArgumentException("dialtone.relay quotas must be 0 (unlimited) or positive");
        }
        if (defaultLifetime.isNegative() || defaultLifetime.isZero() || maxLifetime.compareTo(defaultLifetime) < 0) {
            throw new IllegalArgumentException("dialtone.relay: need 0 < default-lifetime <= max-lifetime");
        }
        if (nonceLifetime.isNegative() || nonceLifetime.isZero()) {
            throw new IllegalArgumentException("dialtone.relay.nonce-lifetime must be positive");
        }
    }

    /**
     * The UDP loops per listen address: {@code udpThreads}, or when 0 one per two of
     * {@code processors}, at least one. Not one per CPU: most of a relayed packet's CPU is the
     * kernel's (its network processing runs beside the loops, on the same CPUs), and a loop that
     * shares its CPU wakes for fewer packets each time. On 2 CPUs one loop relayed a flood at
     * 180,000 packets/s and 3.0 µs each where two managed 121,000 at 5.6 (bench/README.md, Relay).
     */
    public int udpLoops(int processors) {
        return udpThreads > 0 ? udpThreads : Math.max(1, processors / 2);
    }

    /** Reads {@code dialtone.relay} from the root configuration. */
    public static RelayConfig from(Config root) {
        Config c = root.getConfig("dialtone.relay");
        return new RelayConfig(
                c.getBoolean("enabled"),
                c.getStringList("listen-addresses").stream().map(a -> address(c, "listen-addresses", a)).toList(),
                c.getInt("port"),
                c.getInt("udp-threads"),
                c.getBoolean("io-uring"),
                c.getInt("tls-port"),
                optionalString(c, "tls-cert-file").map(Path::of),
                optionalString(c, "tls-key-file").map(Path::of),
                optionalString(c, "relay-address").map(a -> address(c, "relay-address", a)),
                c.getInt("min-port"),
                c.getInt("max-port"),
                optionalString(c, "external-ip").map(a -> address(c, "external-ip", a)),
                c.getBoolean("allow-loopback-peers"),
                c.getStringList("allowed-peer-cidrs").stream().map(text -> cidr(c, text)).toList(),
                c.getInt("user-quota"),
                c.getInt("total-quota"),
                c.getLong("max-bytes-per-second"),
                c.getDuration("default-lifetime"),
                c.getDuration("max-lifetime"),
                c.getDuration("nonce-lifetime"));
    }

    private static Optional<String> optionalString(Config c, String key) {
        return c.hasPath(key) && !c.getString(key).isBlank() ? Optional.of(c.getString(key).trim()) : Optional.empty();
    }

    private static Cidr cidr(Config c, String text) {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dialtone.relay.allowed-peer-cidrs: " + text + ": " + e.getMessage(), e);
        }
    }

    /** Literal IP addresses only: a host name would make the relay depend on DNS at start. */
    private static InetAddress address(Config c, String key, String literal) {
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new ConfigException.BadValue(c.getValue(key).origin(), "dialtone.relay." + key,
                    "not an IP address literal: " + literal);
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new ConfigException.BadValue(c.getValue(key).origin(), "dialtone.relay." + key,
                    "not an IP address literal: " + literal, e);
        }
    }

    private static void requireFile(String key, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("dialtone.relay." + key + " = " + file
                    + ": not found; give the path of a PEM file (or leave both TLS files empty for a self-signed certificate)");
        }
    }

    private static void checkPort(String key, int value, boolean zeroAllowed) {
        if (value < (zeroAllowed ? 0 : 1) || value > 65535) {
            throw new IllegalArgumentException("dialtone.relay." + key + " out of range: " + value);
        }
    }
}
