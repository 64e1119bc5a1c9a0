package dev.dialtone.relay.stun;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.ice4j.attribute.FingerprintAttribute;

/**
 * A STUN request as the relay needs it: the attributes of RFC 8489 and RFC 8656 it acts on,
 * read from the raw bytes, which are kept because MESSAGE-INTEGRITY covers them.
 *
 * <p>Requests are decoded here rather than with ice4j's {@code Message.decode}: ice4j 3.2 rejects
 * EVEN-PORT and REQUESTED-ADDRESS-FAMILY as coturn's clients send them ("length invalid") and
 * keeps one attribute per type, while CreatePermission may carry several XOR-PEER-ADDRESS.
 * Responses are still built with ice4j's attribute encoders.
 *
 * @param peers             every XOR-PEER-ADDRESS in order; empty when one is malformed
 * @param malformedPeer     true when an XOR-PEER-ADDRESS could not be decoded
 * @param unknownRequired   comprehension-required attributes this relay does not understand
 */
public record StunRequest(
        int type,
        byte[] transactionId,
        byte[] raw,
        Optional<String> username,
        Optional<String> realm,
        Optional<String> nonce,
        boolean hasMessageIntegrity,
        OptionalInt lifetime,
        OptionalInt requestedTransport,
        OptionalInt requestedAddressFamily,
        boolean evenPort,
        boolean reservationToken,
        OptionalInt channelNumber,
        List<InetSocketAddress> peers,
        boolean malformedPeer,
        char[] unknownRequired) {

    public static final int FAMILY_IPV4 = 0x01;

    public StunRequest {
        transactionId = transactionId.clone();
        raw = raw.clone();
        unknownRequired = unknownRequired.clone();
    }

    @Override
    public byte[] transactionId() {
        return transactionId.clone();
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public char[] unknownRequired() {
        return unknownRequired.clone();
    }

    private static final int ATTR_REALM = 0x0014;
    private static final int ATTR_NONCE = 0x0015;
    private static final int ATTR_CHANNEL_NUMBER = 0x000C;
    private static final int ATTR_LIFETIME = 0x000D;
    private static final int ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017;
    private static final int ATTR_EVEN_PORT = 0x0018;
    private static final int ATTR_REQUESTED_TRANSPORT = 0x0019;
    private static final int ATTR_RESERVATION_TOKEN = 0x0022;
    /** ICE's PRIORITY and USE-CANDIDATE may come with a Binding request and need no action. */
    private static final int ATTR_PRIORITY = 0x0024;
    private static final int ATTR_USE_CANDIDATE = 0x0025;
    /** Longest USERNAME, REALM and NONCE values RFC 8489 allows. */
    private static final int MAX_TEXT = 763;

    /**
     * Reads a complete, framed STUN message ({@link Stun#isMessage} holds for it).
     *
     * @throws MalformedRequest when an attribute overruns, a text is too long, or FINGERPRINT is
     *                          misplaced or wrong
     */
    public static StunRequest parse(byte[] raw) throws MalformedRequest {
        ByteBuffer buf = ByteBuffer.wrap(raw);
        Builder b = new Builder();
        int end = Stun.HEADER_LENGTH + Stun.bodyLength(buf, 0);
        int at = Stun.HEADER_LENGTH;
        while (at < end) {
            if (at + 4 > end || at + 4 + Stun.attributeLength(buf, at) > end) {
                throw new MalformedRequest("attribute overruns the message");
            }
            int attribute = Stun.attributeType(buf, at);
            int length = Stun.attributeLength(buf, at);
            int value = at + 4;
            if (attribute == Stun.ATTR_FINGERPRINT) {
                checkFingerprint(raw, at, length, end);
            } else if (!b.sawIntegrity) { // what follows MESSAGE-INTEGRITY is not covered by it: ignored
                b.read(buf, attribute, value, length);
            }
            at = value + Stun.padded(length);
        }
        return new StunRequest(Stun.messageType(buf, 0), Arrays.copyOfRange(raw, 8, Stun.HEADER_LENGTH), raw,
                b.username, b.realm, b.nonce, b.sawIntegrity, b.lifetime, b.requestedTransport, b.family,
                b.evenPort, b.reservationToken, b.channelNumber, List.copyOf(b.peers), b.malformedPeer,
                b.unknown.toString().toCharArray());
    }

    private static void checkFingerprint(byte[] raw, int at, int length, int end) throws MalformedRequest {
        if (length != 4 || at + 8 != end) {
            throw new MalformedRequest("FINGERPRINT is not the last attribute");
        }
        byte[] covered = Arrays.copyOf(raw, at);
        ByteBuffer.wrap(covered).putShort(2, (short) (end - Stun.HEADER_LENGTH));
        if (!Arrays.equals(FingerprintAttribute.calculateXorCRC32(covered, 0, at), Arrays.copyOfRange(raw, at + 4, end))) {
            throw new MalformedRequest("FINGERPRINT does not match");
        }
    }

    /** Accumulates attributes as they are read; the first of each kind wins (RFC 8489 section 14). */
    private static final class Builder {
        Optional<String> username = Optional.empty();
        Optional<String> realm = Optional.empty();
        Optional<String> nonce = Optional.empty();
        boolean sawIntegrity;
        OptionalInt lifetime = OptionalInt.empty();
        OptionalInt requestedTransport = OptionalInt.empty();
        OptionalInt family = OptionalInt.empty();
        boolean evenPort;
        boolean reservationToken;
        OptionalInt channelNumber = OptionalInt.empty();
        final List<InetSocketAddress> peers = new ArrayList<>();
        boolean malformedPeer;
        final StringBuilder unknown = new StringBuilder();

        void read(ByteBuffer buf, int attribute, int value, int length) throws MalformedRequest {
            switch (attribute) {
                case Stun.ATTR_USERNAME -> username = username.isPresent() ? username : text(buf, value, length);
                case ATTR_REALM -> realm = realm.isPresent() ? realm : text(buf, value, length);
                case ATTR_NONCE -> nonce = nonce.isPresent() ? nonce : text(buf, value, length);
                case Stun.ATTR_MESSAGE_INTEGRITY -> sawIntegrity = true;
                case ATTR_LIFETIME -> lifetime = int32(buf, value, length);
                case ATTR_REQUESTED_TRANSPORT -> requestedTransport = first(buf, value, length);
                case ATTR_REQUESTED_ADDRESS_FAMILY -> family = first(buf, value, length);
                case ATTR_CHANNEL_NUMBER -> channelNumber = OptionalInt.of(int32(buf, value, length).getAsInt() >>> 16);
                case ATTR_EVEN_PORT -> evenPort = true;
                case ATTR_RESERVATION_TOKEN -> reservationToken = true;
                case Stun.ATTR_XOR_PEER_ADDRESS -> {
                    InetSocketAddress peer = XorAddress.decode(buf, 0, value, length);
                    if (peer == null) {
                        malformedPeer = true;
                    } else {
                        peers.add(peer);
                    }
                }
                case Stun.ATTR_DATA, ATTR_PRIORITY, ATTR_USE_CANDIDATE -> {
                    // understood, nothing to do for a request
                }
                default -> {
                    if (attribute < 0x8000) {
                        unknown.append((char) attribute);
                    }
                }
            }
        }

        private static Optional<String> text(ByteBuffer buf, int value, int length) throws MalformedRequest {
            if (length > MAX_TEXT) {
                throw new MalformedRequest("text attribute longer than " + MAX_TEXT + " bytes");
            }
            return Optional.of(new String(buf.array(), value, length, StandardCharsets.UTF_8));
        }

        /** A 32-bit value. */
        private static OptionalInt int32(ByteBuffer buf, int value, int length) throws MalformedRequest {
            if (length != 4) {
                throw new MalformedRequest("attribute of length " + length + ", expected 4");
            }
            return OptionalInt.of(buf.getInt(value));
        }

        /** The first byte of a value (the protocol of REQUESTED-TRANSPORT, the family of REQUESTED-ADDRESS-FAMILY). */
        private static OptionalInt first(ByteBuffer buf, int value, int length) throws MalformedRequest {
            if (length < 1) {
                throw new MalformedRequest("empty attribute");
            }
            return OptionalInt.of(buf.get(value) & 0xFF);
        }
    }

    /** The bytes are framed as STUN but their content is not valid. */
    public static final class MalformedRequest extends Exception {
        public MalformedRequest(String message) {
            super(message, null, false, false);
        }
    }
}
