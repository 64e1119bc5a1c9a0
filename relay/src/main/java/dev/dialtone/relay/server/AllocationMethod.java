package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.stun.StunRequest;

/**
 * A TURN method that acts on the allocation of the request's 5-tuple: Refresh, CreatePermission,
 * ChannelBind. The request is authenticated and the allocation found, and made with the same
 * username, before it gets here (RFC 8656 sections 7.3, 9.2, 11.2: 437 and 441 otherwise).
 */
interface AllocationMethod {

    /** The answer's wire bytes, signed through {@code exchange}. */
    byte[] answer(Exchange exchange, StunRequest request, Allocation allocation);
}
