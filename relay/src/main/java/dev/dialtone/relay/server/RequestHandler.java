package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.allocation.RelayPorts;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.auth.LongTermCredentials.Accepted;
import dev.dialtone.relay.auth.LongTermCredentials.Rejected;
import dev.dialtone.relay.policy.PeerAddressPolicy;
import dev.dialtone.relay.stun.ChannelData;
import dev.dialtone.relay.stun.Stun;
import dev.dialtone.relay.stun.StunRequest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.UnknownAttributesAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane: answers STUN requests (Binding, and the TURN methods Allocate, Refresh,
 * CreatePermission and ChannelBind, RFC 8656 sections 7 to 11). Requests are rare next to data,
 * so they are decoded whole ({@link StunRequest}) and answered with ice4j's encoders. Every answer
 * is returned as wire bytes for the caller to send back on the transport the request came in on.
 */
public final class RequestHandler {

    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

    private static final int UDP_PROTOCOL = 17;

    private final LongTermCredentials credentials;
    private final AllocationTable allocations;
    private final RelayPorts ports;
    private final PeerAddressPolicy peerPolicy;
    private final InetAddress advertisedAddress;
    private final long bytesPerSecond;
    private final Duration defaultLifetime;
    private final Duration maxLifetime;
    private final Clock clock;

    /**
     * @param advertisedAddress what XOR-RELAYED-ADDRESS says: the external IP or the relay address
     */
    public RequestHandler(LongTermCredentials credentials, AllocationTable allocations, RelayPorts ports,
                          PeerAddressPolicy peerPolicy, InetAddress advertisedAddress, long bytesPerSecond,
                          Duration defaultLifetime, Duration maxLifetime, Clock clock) {
        this.credentials = credentials;
        this.allocations = allocations;
        this.ports = ports;
        this.peerPolicy = peerPolicy;
        this.advertisedAddress = advertisedAddress;
        this.bytesPerSecond = bytesPerSecond;
        this.defaultLifetime = defaultLifetime;
        this.maxLifetime = maxLifetime;
        this.clock = clock;
        // pay ice4j's lazy configuration at start, not in the first client's request
        Responses.warmUp();
    }

    /**
     * The answer to the STUN message {@code raw} received on {@code from}, or null when none is
     * due (indications and responses).
     *
     * @param client how the client is reached; a new allocation keeps it and relays through it
     */
    public byte[] handle(FiveTuple from, byte[] raw, ClientTransport client) {
        int type = Stun.messageType(ByteBuffer.wrap(raw), 0);
        if (!Message.isRequestType((char) type)) {
            return null;
        }
        byte[] transactionId = Arrays.copyOfRange(raw, 8, Stun.HEADER_LENGTH);
        StunRequest request;
        try {
            request = StunRequest.parse(raw);
        } catch (StunRequest.MalformedRequest e) {
            log.debug("malformed request from {}: {}", from, e.getMessage());
            return Responses.encode(Responses.error(type, 400, "Bad Request"), transactionId, null);
        }
        if (request.unknownRequired().length > 0) {
            Response response = Responses.error(type, 420, "Unknown Attribute");
            UnknownAttributesAttribute list = AttributeFactory.createUnknownAttributesAttribute();
            for (char attribute : request.unknownRequired()) {
                list.addAttributeID(attribute);
            }
            response.putAttribute(list);
            return Responses.encode(response, transactionId, null);
        }
        if (type == Message.BINDING_REQUEST) {
            Response response = Responses.success(type);
            response.putAttribute(Responses.xorMapped(from.client(), transactionId));
            return Responses.encode(response, transactionId, null);
        }
        if (type != Message.ALLOCATE_REQUEST && type != Message.REFRESH_REQUEST
                && type != Message.CREATEPERMISSION_REQUEST && type != Message.CHANNELBIND_REQUEST) {
            return Responses.encode(Responses.error(type, 400, "Bad Request"), transactionId, null);
        }
        LongTermCredentials.Outcome outcome = credentials.check(request);
        if (outcome instanceof Rejected rejected) {
            log.debug("{} from {} rejected: {} {}", Integer.toHexString(type), from, rejected.code(), rejected.reason());
            return challenge(type, transactionId, rejected);
        }
        Exchange exchange = new Exchange(type, transactionId, (Accepted) outcome);
        if (type == Message.ALLOCATE_REQUEST) {
            return allocate(exchange, request, from, client);
        }
        Allocation allocation = allocations.find(from);
        if (allocation == null) {
            return exchange.error(437, "Allocation Mismatch");
        }
        if (!allocation.username().equals(exchange.user().username())) {
            return exchange.error(441, "Wrong Credentials");
        }
        if (type == Message.REFRESH_REQUEST) {
            return refresh(exchange, request, allocation);
        }
        if (type == Message.CREATEPERMISSION_REQUEST) {
            return createPermission(exchange, request, allocation);
        }
        return channelBind(exchange, request, allocation);
    }

    private byte[] allocate(Exchange exchange, StunRequest request, FiveTuple from, ClientTransport client) {
        Accepted user = exchange.user();
        byte[] transactionId = exchange.transactionId();
        Allocation existing = allocations.find(from);
        if (existing != null) {
            // a retransmitted Allocate gets the same answer again (RFC 8656 section 7.2)
            return existing.isAllocatedBy(transactionId) && existing.username().equals(user.username())
                    ? existing.allocateResponse()
                    : exchange.error(437, "Allocation Mismatch");
        }
        if (request.requestedTransport().isEmpty()) {
            return exchange.error(400, "Bad Request");
        }
        if (request.requestedTransport().getAsInt() != UDP_PROTOCOL) {
            return exchange.error(442, "Unsupported Transport Protocol");
        }
        if (request.reservationToken()) {
            return exchange.error(508, "Insufficient Capacity"); // this relay hands out no tokens
        }
        if (request.requestedAddressFamily().isPresent()
                && (request.requestedAddressFamily().getAsInt() == StunRequest.FAMILY_IPV4) != isIpv4(advertisedAddress)) {
            return exchange.error(440, "Address Family not Supported");
        }
        boolean evenPort = request.evenPort();
        long now = clock.millis();
        long lifetime = lifetimeMillis(request);
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
            log.info("allocate refused for user {} from {}: {} {}", user.userId(), from, refused.code(),
                    refused.getMessage());
            return exchange.error(refused.code(), refused.getMessage());
        }
        Response response = Responses.success(exchange.type());
        response.putAttribute(AttributeFactory.createXorRelayedAddressAttribute(
                Responses.transportAddress(allocation.relayedAddress()), transactionId));
        response.putAttribute(AttributeFactory.createLifetimeAttribute((int) (lifetime / 1000)));
        response.putAttribute(Responses.xorMapped(from.client(), transactionId));
        allocation.rememberAllocateResponse(exchange.reply(response));
        log.info("allocated {} for user {} from {}, lifetime {} s", allocation.relayedAddress(), user.userId(),
                from, lifetime / 1000);
        client.relayFor(allocation);
        return allocation.allocateResponse();
    }

    private byte[] refresh(Exchange exchange, StunRequest request, Allocation allocation) {
        Response response = Responses.success(exchange.type());
        if (request.lifetime().isPresent() && request.lifetime().getAsInt() == 0) {
            allocations.remove(allocation);
            log.info("deleted {} on the client's request", allocation);
            response.putAttribute(AttributeFactory.createLifetimeAttribute(0));
            return exchange.reply(response);
        }
        long lifetime = lifetimeMillis(request);
        allocation.refresh(clock.millis(), lifetime);
        response.putAttribute(AttributeFactory.createLifetimeAttribute((int) (lifetime / 1000)));
        return exchange.reply(response);
    }

    private byte[] createPermission(Exchange exchange, StunRequest request, Allocation allocation) {
        if (request.peers().isEmpty() || request.malformedPeer()) {
            return exchange.error(400, "Bad Request");
        }
        for (InetSocketAddress peer : request.peers()) {
            byte[] refused = refusal(exchange, peer, allocation);
            if (refused != null) {
                return refused;
            }
        }
        long now = clock.millis();
        for (InetSocketAddress peer : request.peers()) {
            if (!allocation.permit(peer.getAddress(), now)) {
                return exchange.error(508, "Insufficient Capacity");
            }
        }
        return exchange.success();
    }

    private byte[] channelBind(Exchange exchange, StunRequest request, Allocation allocation) {
        if (request.channelNumber().isEmpty() || !ChannelData.isValidChannel(request.channelNumber().getAsInt())
                || request.peers().isEmpty() || request.malformedPeer()) {
            return exchange.error(400, "Bad Request");
        }
        InetSocketAddress peer = request.peers().get(0);
        byte[] refused = refusal(exchange, peer, allocation);
        if (refused != null) {
            return refused;
        }
        return switch (allocation.bind(request.channelNumber().getAsInt(), peer, clock.millis())) {
            case BOUND -> exchange.success();
            case CONFLICT -> exchange.error(400, "Bad Request");
            case FULL -> exchange.error(508, "Insufficient Capacity");
        };
    }

    /** 443 across address families, 403 where the operator's policy forbids; else null. */
    private byte[] refusal(Exchange exchange, InetSocketAddress peer, Allocation allocation) {
        if (isIpv4(peer.getAddress()) != isIpv4(allocation.relayedAddress().getAddress())) {
            return exchange.error(443, "Peer Address Family Mismatch");
        }
        if (!peerPolicy.permits(peer.getAddress())) {
            log.info("peer {} refused for user {}: address range not allowed", peer.getAddress().getHostAddress(),
                    allocation.userId());
            return exchange.error(403, "Forbidden");
        }
        return null;
    }

    private byte[] challenge(int type, byte[] transactionId, Rejected rejected) {
        Response response = Responses.error(type, rejected.code(), rejected.reason());
        if (rejected.code() != 400) {
            response.putAttribute(AttributeFactory.createRealmAttribute(
                    credentials.realm().getBytes(StandardCharsets.UTF_8)));
            response.putAttribute(AttributeFactory.createNonceAttribute(
                    credentials.freshNonce().getBytes(StandardCharsets.US_ASCII)));
        }
        return Responses.encode(response, transactionId, null);
    }

    /**
     * RFC 8656 section 7.2: the default unless the client asks for more, and never more than the
     * maximum.
     */
    private long lifetimeMillis(StunRequest request) {
        long requested = request.lifetime().isPresent() ? Integer.toUnsignedLong(request.lifetime().getAsInt()) * 1000 : 0;
        return requested > defaultLifetime.toMillis() ? Math.min(requested, maxLifetime.toMillis())
                : defaultLifetime.toMillis();
    }

    private static boolean isIpv4(InetAddress address) {
        return address instanceof Inet4Address;
    }

    /** One authenticated request being answered: its method, transaction and signing key. */
    private record Exchange(int type, byte[] transactionId, Accepted user) {

        byte[] reply(Response response) {
            return Responses.encode(response, transactionId, user.key());
        }

        byte[] error(int code, String reason) {
            return reply(Responses.error(type, code, reason));
        }

        byte[] success() {
            return reply(Responses.success(type));
        }
    }
}
