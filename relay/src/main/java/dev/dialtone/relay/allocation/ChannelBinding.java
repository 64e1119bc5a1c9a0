package dev.dialtone.relay.allocation;

import java.net.InetSocketAddress;

/**
 * Binds a channel number to one peer transport address until {@code expiresAt} (epoch millis), so
 * that data travels in 4-byte-header ChannelData instead of 36-byte indications. Immutable: a
 * refresh replaces it.
 */
public record ChannelBinding(int number, InetSocketAddress peer, long expiresAt) implements Expiring {

    /** RFC 8656 section 12: fixed, refreshed by another ChannelBind. */
    public static final long LIFETIME_MILLIS = 600_000;

    @Override
    public boolean isLive(long now) {
        return now < expiresAt;
    }
}
