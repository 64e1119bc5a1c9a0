package dev.dialtone.relay.server;

import dev.dialtone.relay.stun.MessageIntegrity;
import dev.dialtone.relay.stun.Stun;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.ice4j.StunException;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.message.Message;
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
     * Encodes a signed answer once, so that what ice4j and the JDK load on first use is loaded at
     * start rather than while the first client waits: ice4j reads its configuration (jitsi-metaconfig
     * through Kotlin reflection, 1 to 3 s on a busy 2-core machine) on the first {@code encode},
     * and the JDK sets up HMAC-SHA1 and CRC32 on their first call.
     */
    static void warmUp() {
        byte[] transactionId = new byte[Stun.TRANSACTION_ID_LENGTH];
        Response response = success(Message.BINDING_REQUEST);
        response.putAttribute(xorMapped(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), transactionId));
        encode(response, transactionId, new byte[16]);
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
