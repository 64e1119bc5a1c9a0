package dev.dialtone.relay.allocation;

/** How a client reaches the relay. Peers are always reached over UDP. */
public enum Transport {
    UDP, TCP, TLS;

    /** Stream transports frame messages back to back and pad ChannelData to 4 bytes. */
    public boolean isStream() {
        return this != UDP;
    }
}
