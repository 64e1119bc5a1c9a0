package dev.dialtone.relay.allocation;

import java.net.InetSocketAddress;

/**
 * What identifies an allocation (RFC 8656 section 2): the client's address, the relay's listening
 * address and the transport between them.
 */
public record FiveTuple(InetSocketAddress client, InetSocketAddress server, Transport transport) {

    @Override
    public String toString() {
        return transport + " " + client + "->" + server;
    }
}
