package dev.dialtone.relay.allocation;

/** What an allocation holds until a deadline: its permissions and channel bindings. */
sealed interface Expiring permits Permission, ChannelBinding {

    boolean isLive(long now);
}
