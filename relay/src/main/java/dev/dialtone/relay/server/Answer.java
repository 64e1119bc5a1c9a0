package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;

/**
 * What the control plane gives back for one request: the response's wire bytes and, when the
 * request was an Allocate that made one, the new allocation, whose relaying the transport the
 * request came in on then starts.
 *
 * @param allocated null unless this answer made an allocation
 */
public record Answer(byte[] bytes, Allocation allocated) {

    static Answer of(byte[] bytes) {
        return new Answer(bytes, null);
    }
}
