package dev.dialtone.signaling.turn;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The URLs {@code iceServers} name: the same for every client (configured, or the relay's public
 * address), or built for each client from the host it reached the server by ({@link ReachedHost})
 * when nobody said which public address the relay has.
 */
public final class IceUrls {

    private final List<String> fixed;
    private final Function<ReachedBy, List<String>> atHost;

    private IceUrls(List<String> fixed, Function<ReachedBy, List<String>> atHost) {
        this.fixed = fixed;
        this.atHost = atHost;
    }

    public static IceUrls fixed(List<String> urls) {
        return new IceUrls(List.copyOf(urls), null);
    }

    /** {@code atHost} gets a host name, an IPv4 literal or a bracketed IPv6 literal. */
    public static IceUrls atReachedHost(Function<String, List<String>> atHost) {
        Objects.requireNonNull(atHost);
        return new IceUrls(null, reached -> atHost.apply(reached.host()));
    }

    /** Built for each client from the way it reached the server: its host, and the edge port or not. */
    public static IceUrls perClient(Function<ReachedBy, List<String>> urls) {
        return new IceUrls(null, Objects.requireNonNull(urls));
    }

    public boolean perClient() {
        return atHost != null;
    }

    public List<String> forClient(ReachedBy reached) {
        return perClient() ? List.copyOf(atHost.apply(reached)) : fixed;
    }

    @Override
    public String toString() {
        return perClient() ? "URLs for each client, e.g. " + atHost.apply(new ReachedBy("<host>", false)) : fixed.toString();
    }
}
