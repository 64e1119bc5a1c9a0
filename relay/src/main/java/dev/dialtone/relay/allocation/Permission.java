package dev.dialtone.relay.allocation;

import java.net.InetAddress;

/**
 * Lets packets from and to one peer IP (any port) through an allocation until {@code expiresAt}
 * (epoch millis). Immutable: a refresh replaces it.
 */
public record Permission(InetAddress peer, long expiresAt) implements Expiring {

    /** RFC 8656 section 9: fixed, refreshed by CreatePermission or ChannelBind. */
    public static final long LIFETIME_MILLIS = 300_000;

    @Override
    public boolean isLive(long now) {
        return now < expiresAt;
    }
}
