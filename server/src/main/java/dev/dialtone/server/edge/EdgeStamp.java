package dev.dialtone.server.edge;

import dev.dialtone.signaling.turn.EdgeConnections;
import com.corundumstudio.socketio.HandshakeData;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header the edge port puts on every HTTP request it passes on to the signaling and HTTP ports:
 * which client it carries (address, the edge address it reached, TLS or not), with a secret made at
 * start, so that a request that reaches those ports directly cannot pass for one from the edge. The
 * edge removes the header from what clients send. A header rather than the proxy connection's
 * address, because a Socket.IO session outlives the connection of its handshake (long-polling opens
 * one per request) and is asked how it came in later.
 */
public final class EdgeStamp implements EdgeConnections {

    /** The header's name. */
    public static final String HEADER = "Dialtone-Edge";
    private static final Pattern VALUE = Pattern.compile("([0-9a-f]{32}) (tls|plain) ([0-9A-Fa-f:.]{2,45}) ([0-9A-Fa-f:.]{2,45})");

    /**
     * @param client the client's own address
     * @param local  the edge address it connected to
     * @param tls    whether it spoke TLS to the edge (https and wss)
     */
    public record EdgeClient(InetAddress client, InetAddress local, boolean tls) {
    }

    private final String secret;

    public EdgeStamp() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        this.secret = HexFormat.of().formatHex(random);
    }

    /** The header line for a request from {@code client}, with its CRLF. */
    String line(InetSocketAddress client, InetSocketAddress local, boolean tls) {
        return HEADER + ": " + secret + " " + (tls ? "tls" : "plain") + " " + client.getAddress().getHostAddress()
                + " " + local.getAddress().getHostAddress() + "\r\n";
    }

    /** The client a request came from, when its header value is the edge's own. */
    public Optional<EdgeClient> read(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = VALUE.matcher(value.trim());
        if (!m.matches() || !MessageDigest.isEqual(m.group(1).getBytes(StandardCharsets.US_ASCII),
                secret.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        try {
            // literals only (the pattern admits no names): no DNS lookup
            return Optional.of(new EdgeClient(InetAddress.getByName(m.group(3)), InetAddress.getByName(m.group(4)),
                    m.group(2).equals("tls")));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Carried> find(HandshakeData handshake) {
        return read(handshake.getHttpHeaders().get(HEADER)).map(c -> new Carried(c.client(), c.local()));
    }
}
