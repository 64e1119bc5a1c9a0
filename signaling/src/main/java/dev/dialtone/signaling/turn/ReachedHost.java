package dev.dialtone.signaling.turn;

import com.corundumstudio.socketio.HandshakeData;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The host a client reached the server by, for the URLs of its {@code iceServers}: the Host of its
 * handshake, or {@code X-Forwarded-Host} when the connection comes from a trusted proxy. A loopback
 * host is only ever given to a client that is itself on loopback; others get the local address their
 * connection arrived on, or the relay's address when that is loopback too (a local proxy). A
 * connection from the edge port stands for the client the edge carries.
 */
public final class ReachedHost {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9]{1,16})?");
    private static final Pattern PORT = Pattern.compile(":[0-9]{1,5}");
    /** X-Forwarded-For entries looked at, from the right: enough for any real proxy chain. */
    private static final int MAX_HOPS = 16;

    private final Predicate<InetAddress> trustedProxy;
    private final String fallback;
    private final EdgeConnections edge;

    /**
     * @param trustedProxy whether a connection from this address is a proxy whose X-Forwarded-* are believed
     * @param fallback     the relay's own address, for a remote client whose every other hint is loopback
     */
    public ReachedHost(Predicate<InetAddress> trustedProxy, InetAddress fallback) {
        this(trustedProxy, fallback, EdgeConnections.NONE);
    }

    /** @param edge the connections the edge port makes for its clients */
    public ReachedHost(Predicate<InetAddress> trustedProxy, InetAddress fallback, EdgeConnections edge) {
        this.trustedProxy = trustedProxy;
        this.fallback = literal(fallback);
        this.edge = edge;
    }

    /** The relay's own address, as a URL host. */
    public ReachedBy fallback() {
        return new ReachedBy(fallback, false);
    }

    public ReachedBy of(HandshakeData handshake) {
        HttpHeaders headers = handshake.getHttpHeaders();
        Optional<EdgeConnections.Carried> carried = edge.find(handshake);
        if (carried.isPresent()) {
            // the edge's own client and the edge address it reached count, not the edge's connection
            EdgeConnections.Carried c = carried.get();
            return new ReachedBy(host(headers, c.client(), c.local(), false), true);
        }
        InetAddress peer = handshake.getAddress().getAddress();
        InetSocketAddress local = handshake.getLocal();
        return new ReachedBy(host(headers, peer, local == null ? null : local.getAddress(), trustedProxy.test(peer)), false);
    }

    private String host(HttpHeaders headers, InetAddress peer, InetAddress local, boolean viaProxy) {
        boolean clientOnLoopback = viaProxy ? forwardedClientOnLoopback(headers.getAll("X-Forwarded-For"), peer)
                : peer.isLoopbackAddress();
        String host = viaProxy ? hostOf(firstValue(headers.get("X-Forwarded-Host"))) : null;
        if (host == null) {
            host = hostOf(headers.get(HttpHeaderNames.HOST));
        }
        if (host != null && (clientOnLoopback || !isLoopback(host))) {
            return host;
        }
        if (local != null && !local.isAnyLocalAddress() && (clientOnLoopback || !local.isLoopbackAddress())) {
            return literal(local);
        }
        return fallback;
    }

    /**
     * The client a trusted proxy forwards for is the rightmost X-Forwarded-For entry that is not a
     * trusted proxy itself; without the header the proxy's own address stands for it. An entry that
     * is no address literal counts as a remote client (never looked up in DNS).
     */
    private boolean forwardedClientOnLoopback(List<String> forwardedFor, InetAddress peer) {
        String[] hops = String.join(",", forwardedFor).split(",");
        InetAddress client = peer;
        int looked = 0;
        for (int i = hops.length - 1; i >= 0 && looked < MAX_HOPS; i--) {
            String hop = hops[i].trim();
            if (hop.isEmpty()) {
                continue;
            }
            looked++;
            InetAddress address = addressLiteral(stripPort(hop));
            if (address == null) {
                return false;
            }
            client = address;
            if (!trustedProxy.test(address)) {
                break;
            }
        }
        return client.isLoopbackAddress();
    }

    /** The host part of a Host header value, lower-cased; null when absent or not a valid host. */
    static String hostOf(String header) {
        if (header == null) {
            return null;
        }
        String value = header.trim();
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            if (end < 0 || !portOrNothing(value.substring(end + 1))) {
                return null;
            }
            String text = value.substring(1, end);
            return addressLiteral(text) == null || text.contains("%") ? null : "[" + text.toLowerCase(Locale.ROOT) + "]";
        }
        int colon = value.indexOf(':');
        String name = colon < 0 ? value : value.substring(0, colon);
        if (colon >= 0 && !portOrNothing(value.substring(colon))) {
            return null;
        }
        if (IPV4.matcher(name).matches()) {
            InetAddress v4 = addressLiteral(name);
            return v4 == null || v4.isAnyLocalAddress() ? null : v4.getHostAddress();
        }
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            return null;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static boolean portOrNothing(String rest) {
        return rest.isEmpty() || PORT.matcher(rest).matches() && Integer.parseInt(rest.substring(1)) <= 65535;
    }

    private static String firstValue(String header) {
        if (header == null) {
            return null;
        }
        int comma = header.indexOf(',');
        return comma < 0 ? header : header.substring(0, comma);
    }

    private static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end < 0 ? hop : hop.substring(1, end);
        }
        return hop.indexOf(':') == hop.lastIndexOf(':') && hop.indexOf(':') > 0 ? hop.substring(0, hop.indexOf(':')) : hop;
    }

    private static boolean isLoopback(String host) {
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return true;
        }
        InetAddress address = addressLiteral(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        return address != null && address.isLoopbackAddress();
    }

    /** Parses an IP literal without ever asking DNS; null for anything else. */
    private static InetAddress addressLiteral(String text) {
        if (!IPV4.matcher(text).matches() && !(text.contains(":") && IPV6.matcher(text).matches())) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address as a URL host: IPv6 in brackets. */
    static String literal(InetAddress address) {
        String text = address.getHostAddress();
        int zone = text.indexOf('%');
        if (zone >= 0) {
            text = text.substring(0, zone);
        }
        return text.contains(":") ? "[" + text + "]" : text;
    }
}
