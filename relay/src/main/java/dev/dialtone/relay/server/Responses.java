package dev.dialtone.relay.server;

import dev.dialtone.relay.stun.MessageIntegrity;
import java.net.InetSocketAddress;
import org.ice4j.StunException;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.message.MessageFactory;
import org.ice4j.message.Response;

/**
 * Builds responses with ice4j's attribute encoders. ice4j only constructs responses for the
 * methods it knows, so an empty one is made and given the response type of the request's method.
 */
final class Responses {

    private static final int SUCCESS_CLASS = 0x0100;
    private static final int ERROR_CLASS = 0x0110;

    private Responses() {
    }

    static Response success(int requestType) {
        Response response = MessageFactory.createChannelBindResponse();
        response.setMessageType((char) (requestType | SUCCESS_CLASS));
        return response;
    }

    static Response error(int requestType, int code, String reason) {
        Response response = MessageFactory.createChannelBindErrorResponse((char) code, reason);
        response.setMessageType((char) (requestType | ERROR_CLASS));
        return response;
    }

    /** XOR-MAPPED-ADDRESS, XOR-RELAYED-ADDRESS and XOR-PEER-ADDRESS share the encoding. */
    static TransportAddress transportAddress(InetSocketAddress address) {
        return new TransportAddress(address, Transport.UDP);
    }

    static Attribute xorMapped(InetSocketAddress address, byte[] transactionId) {
        return AttributeFactory.createXorMappedAddressAttribute(transportAddress(address), transactionId);
    }

    /**
     * The wire form: ice4j encodes the attributes, then MESSAGE-INTEGRITY (when {@code key} is not
     * null) and FINGERPRINT are appended over the raw bytes.
     */
    static byte[] encode(Response response, byte[] transactionId, byte[] key) {
        try {
            response.setTransactionID(transactionId);
        } catch (StunException e) {
            throw new IllegalArgumentException("bad transaction id", e);
        }
        return MessageIntegrity.seal(response.encode(null), key);
    }
}
