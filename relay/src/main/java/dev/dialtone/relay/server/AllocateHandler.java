package dev.dialtone.relay.server;

import dev.dialtone.relay.RelayCounters;
import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.allocation.RelayPorts;
import dev.dialtone.relay.auth.LongTermCredentials.Accepted;
import dev.dialtone.relay.stun.StunRequest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An authenticated Allocate request (RFC 8656 section 7.2). */
public final class AllocateHandler {

    private static final Logger log = LoggerFactory.getLogger(AllocateHandler.class);

    private static final int UDP_PROTOCOL = 17;

    private final AllocationTable allocations;
    private final RelayPorts ports;
    private final InetAddress advertisedAddress;
    private final long bytesPerSecond;
    private final Lifetimes lifetimes;
    private final RefusedAllocations refusals;
    private final Clock clock;

    /**
     * @param advertisedAddress what XOR-RELAYED-ADDRESS says: the external IP or the relay address
     * @param bytesPerSecond    each new allocation's cap per direction; 0 unlimited
     */
    public AllocateHandler(AllocationTable allocations, RelayPorts ports, InetAddress advertisedAddress, long bytesPerSecond,
                    Lifetimes lifetimes, RelayCounters counters, Clock clock) {
        this.allocations = allocations;
        this.ports = ports;
        this.advertisedAddress = advertisedAddress;
        this.bytesPerSecond = bytesPerSecond;
        this.lifetimes = lifetimes;
        this.refusals = new RefusedAllocations(counters, clock);
        this.clock = clock;
    }

    /**
     * The answer, with the new allocation when one was made; {@code client} is how the allocation
     * reaches its client.
     */
    Answer answer(Exchange exchange, StunRequest request, FiveTuple from, ClientTransport client) {
        Accepted user = exchange.user();
        byte[] transactionId = exchange.transactionId();
        // the 5-tuple already has an allocation: a retransmission gets the same answer again, any
        // other Allocate 437
        Allocation existing = allocations.find(from);
        if (existing != null) {
            return Answer.of(existing.isAllocatedBy(transactionId) && existing.username().equals(user.username())
                    ? existing.allocateResponse()
                    : exchange.error(437, "Allocation Mismatch"));
        }
        // REQUESTED-TRANSPORT is required, and only UDP is relayed
        if (request.requestedTransport().isEmpty()) {
            return Answer.of(exchange.error(400, "Bad Request"));
        }
        if (request.requestedTransport().getAsInt() != UDP_PROTOCOL) {
            return Answer.of(exchange.error(442, "Unsupported Transport Protocol"));
        }
        // DONT-FRAGMENT cannot be honoured from Java: answered 420 with the unknown attributes
        // RESERVATION-TOKEN: this relay reserves no ports, so none is ever valid
        if (request.reservationToken()) {
            return Answer.of(exchange.error(508, "Insufficient Capacity"));
        }
        // REQUESTED-ADDRESS-FAMILY must be the relay address's family
        if (request.requestedAddressFamily().isPresent()
                && (request.requestedAddressFamily().getAsInt() == StunRequest.FAMILY_IPV4)
                != advertisedAddress instanceof Inet4Address) {
            return Answer.of(exchange.error(440, "Address Family not Supported"));
        }
        // quotas (486 per user, 508 in total or when no port is free), then a relayed port, an even
        // one when EVEN-PORT asks (its R bit is not honoured: no reservations)
        boolean evenPort = request.evenPort();
        long now = clock.millis();
        long lifetime = lifetimes.grantedMillis(request);
        Allocation allocation;
        try {
            allocation = allocations.add(from, user.userId(), () -> {
                DatagramChannel socket = ports.bind(evenPort);
                int port = ((InetSocketAddress) socket.getLocalAddress()).getPort();
                return new Allocation(from, user.username(), user.userId(), socket,
                        new InetSocketAddress(advertisedAddress, port), client, bytesPerSecond,
                        transactionId, now, lifetime);
            });
        } catch (AllocationTable.Refused refused) {
            refused.limit().ifPresent(limit -> refusals.refused(limit, refused.getMessage(), allocations.size()));
            log.debug("allocate refused for user {} from {}: {} {}", user.userId(), from, refused.code(),
                    refused.getMessage());
            return Answer.of(exchange.error(refused.code(), refused.reason()));
        }
        // success: XOR-RELAYED-ADDRESS, LIFETIME, XOR-MAPPED-ADDRESS; kept for retransmissions
        Response response = Responses.success(exchange.type());
        response.putAttribute(AttributeFactory.createXorRelayedAddressAttribute(
                Responses.transportAddress(allocation.relayedAddress()), transactionId));
        response.putAttribute(AttributeFactory.createLifetimeAttribute((int) (lifetime / 1000)));
        response.putAttribute(Responses.xorMapped(from.client(), transactionId));
        allocation.rememberAllocateResponse(exchange.reply(response));
        log.info("allocated {} for user {} from {}, lifetime {} s", allocation.relayedAddress(), user.userId(),
                from, lifetime / 1000);
        return new Answer(allocation.allocateResponse(), allocation);
    }
}
