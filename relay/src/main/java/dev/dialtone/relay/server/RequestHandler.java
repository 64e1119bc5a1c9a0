package dev.dialtone.relay.server;

import dev.dialtone.relay.allocation.Allocation;
import dev.dialtone.relay.allocation.AllocationTable;
import dev.dialtone.relay.allocation.ClientTransport;
import dev.dialtone.relay.allocation.FiveTuple;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.auth.LongTermCredentials.Accepted;
import dev.dialtone.relay.auth.LongTermCredentials.Rejected;
import dev.dialtone.relay.stun.Stun;
import dev.dialtone.relay.stun.StunRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.UnknownAttributesAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's front: decodes a STUN request ({@link StunRequest}; requests are rare next
 * to data, so they are decoded whole), answers what needs no credentials (Binding, malformed
 * requests, unknown attributes), authenticates the TURN methods with the long-term credential
 * mechanism, and hands each to its method's handler. Every answer is returned as wire bytes for
 * the caller to send back on the transport the request came in on.
 */
public final class RequestHandler {

    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

    private final LongTermCredentials credentials;
    private final AllocationTable allocations;
    private final AllocateHandler allocate;
    private final Map<Integer, AllocationMethod> onAllocation;

    public RequestHandler(LongTermCredentials credentials, AllocationTable allocations, AllocateHandler allocate,
                          RefreshHandler refresh, CreatePermissionHandler createPermission, ChannelBindHandler channelBind) {
        this.credentials = credentials;
        this.allocations = allocations;
        this.allocate = allocate;
        this.onAllocation = Map.of((int) Message.REFRESH_REQUEST, refresh,
                (int) Message.CREATEPERMISSION_REQUEST, createPermission,
                (int) Message.CHANNELBIND_REQUEST, channelBind);
        // pay ice4j's lazy configuration at start, not in the first client's request
        Responses.warmUp();
    }

    /**
     * The answer to the STUN message {@code raw} received on {@code from}, or null when none is
     * due (indications and responses).
     *
     * @param client how the client is reached; a new allocation keeps it and relays through it
     */
    public Answer handle(FiveTuple from, byte[] raw, ClientTransport client) {
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
            return Answer.of(Responses.encode(Responses.error(type, 400, "Bad Request"), transactionId, null));
        }
        // RFC 8489 section 6.3.1: a comprehension-required attribute not understood is 420, listed
        if (request.unknownRequired().length > 0) {
            Response response = Responses.error(type, 420, "Unknown Attribute");
            UnknownAttributesAttribute list = AttributeFactory.createUnknownAttributesAttribute();
            for (char attribute : request.unknownRequired()) {
                list.addAttributeID(attribute);
            }
            response.putAttribute(list);
            return Answer.of(Responses.encode(response, transactionId, null));
        }
        // Binding (RFC 8489 section 7.3.1) needs no credentials: the client's address as seen here
        if (type == Message.BINDING_REQUEST) {
            Response response = Responses.success(type);
            response.putAttribute(Responses.xorMapped(from.client(), transactionId));
            return Answer.of(Responses.encode(response, transactionId, null));
        }
        if (type != Message.ALLOCATE_REQUEST && !onAllocation.containsKey(type)) {
            return Answer.of(Responses.encode(Responses.error(type, 400, "Bad Request"), transactionId, null));
        }
        // every TURN method is authenticated (RFC 8656 section 5): 401/438 with REALM and a NONCE
        LongTermCredentials.Outcome outcome = credentials.check(request);
        if (outcome instanceof Rejected rejected) {
            log.debug("{} from {} rejected: {} {}", Integer.toHexString(type), from, rejected.code(), rejected.reason());
            return Answer.of(challenge(type, transactionId, rejected));
        }
        Exchange exchange = new Exchange(type, transactionId, (Accepted) outcome);
        if (type == Message.ALLOCATE_REQUEST) {
            return allocate.answer(exchange, request, from, client);
        }
        // the other methods act on the 5-tuple's allocation, made with the same credentials
        Allocation allocation = allocations.find(from);
        if (allocation == null) {
            return Answer.of(exchange.error(437, "Allocation Mismatch"));
        }
        if (!allocation.username().equals(exchange.user().username())) {
            return Answer.of(exchange.error(441, "Wrong Credentials"));
        }
        return Answer.of(onAllocation.get(type).answer(exchange, request, allocation));
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
}
