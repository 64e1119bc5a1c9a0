package dev.dialtone.relay;

import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.relay.auth.LongTermCredentials;
import dev.dialtone.relay.stun.MessageIntegrity;
import dev.dialtone.relay.stun.Stun;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Well-formed, correctly framed TURN messages with hostile fields, for {@link StructuredFuzzTest}:
 * Allocate, Refresh, CreatePermission, ChannelBind and Binding requests, Send indications and
 * ChannelData, with random and extreme usernames, realms, nonces, lifetimes, peer addresses,
 * channel numbers and attribute lengths. The framing is always right (magic cookie, 4-aligned
 * lengths, attributes that fit, FINGERPRINT last when present), so that the relay must judge the
 * content: every request has an answer due, every indication is relayed or counted as dropped.
 *
 * <p>Peer addresses are the test's own loopback sockets, port 0, ranges the relay's policy denies,
 * or IPv6 (a family mismatch for the IPv4 relay): nothing the relay accepts can leave the machine.
 */
final class HostileRequests {

    static final int BINDING = 0x0001;
    static final int ALLOCATE = 0x0003;
    static final int REFRESH = 0x0004;
    static final int CREATE_PERMISSION = 0x0008;
    static final int CHANNEL_BIND = 0x0009;

    private static final int ATTR_CHANNEL_NUMBER = 0x000C;
    private static final int ATTR_LIFETIME = 0x000D;
    private static final int ATTR_REALM = 0x0014;
    private static final int ATTR_NONCE = 0x0015;
    private static final int ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017;
    private static final int ATTR_EVEN_PORT = 0x0018;
    private static final int ATTR_REQUESTED_TRANSPORT = 0x0019;
    private static final int ATTR_DONT_FRAGMENT = 0x001A;
    private static final int ATTR_RESERVATION_TOKEN = 0x0022;
    private static final int ATTR_PRIORITY = 0x0024;
    /** Room left in a 16-bit body length for MESSAGE-INTEGRITY and FINGERPRINT, and in a UDP datagram. */
    private static final int MAX_BODY = 60_000;

    /** Policy-denied (private, shared, link-local, multicast, reserved, documentation) IPv4 ranges. */
    private static final String[] DENIED_V4 = {"10.1.2.3", "192.168.0.1", "172.16.0.1", "100.64.0.1",
        "169.254.1.1", "224.0.0.1", "239.255.255.250", "0.0.0.0", "255.255.255.255", "240.0.0.1", "192.0.2.1",
        "198.18.0.1", "203.0.113.9"};
    private static final String[] V6 = {"::1", "::", "fe80::1", "2001:db8::1", "ff02::1", "2a00:1450::1"};

    /** One message to send and what the test needs to judge the answer. */
    record Built(Kind kind, int type, byte[] bytes, byte[] transactionId, byte[] key, String description) {
        boolean isRequest() {
            return kind != Kind.SEND && kind != Kind.CHANNEL_DATA;
        }
    }

    enum Kind { ALLOCATE, REFRESH, CREATE_PERMISSION, CHANNEL_BIND, BINDING, SEND, CHANNEL_DATA }

    private final Random random;
    private final TurnRestSecret secret;
    private final String realm;
    private final List<InetSocketAddress> ownPeers;
    private final Clock clock = Clock.systemUTC();
    /** The credential of a well-behaved client, the same for the whole run as a real client's. */
    private final String goodUsername;

    /** @param ownPeers loopback sockets the test owns: the only peers that may receive anything */
    HostileRequests(Random random, TurnRestSecret secret, String realm, List<InetSocketAddress> ownPeers) {
        this.random = random;
        this.secret = secret;
        this.realm = realm;
        this.ownPeers = List.copyOf(ownPeers);
        this.goodUsername = secret.mint("fuzz", Duration.ofHours(1), clock).username();
    }

    /** The next message; {@code nonce} is the latest one the relay handed out; {@code stream} for TCP. */
    Built next(String nonce, boolean stream) {
        Kind kind = pick(Kind.ALLOCATE, Kind.ALLOCATE, Kind.REFRESH, Kind.CREATE_PERMISSION, Kind.CREATE_PERMISSION,
                Kind.CHANNEL_BIND, Kind.CHANNEL_BIND, Kind.BINDING, Kind.SEND, Kind.SEND, Kind.CHANNEL_DATA);
        if (kind == Kind.CHANNEL_DATA) {
            return channelData(stream);
        }
        byte[] transactionId = new byte[Stun.TRANSACTION_ID_LENGTH];
        random.nextBytes(transactionId);
        StringBuilder description = new StringBuilder(kind.name());
        List<byte[]> attributes = new ArrayList<>();
        int type = switch (kind) {
            case ALLOCATE -> {
                allocateAttributes(attributes, description);
                yield ALLOCATE;
            }
            case REFRESH -> {
                maybe(0.8, () -> attributes.add(attribute(ATTR_LIFETIME, lifetime(description))));
                maybe(0.1, () -> attributes.add(attribute(ATTR_REQUESTED_ADDRESS_FAMILY, family(description))));
                yield REFRESH;
            }
            case CREATE_PERMISSION -> {
                int peers = pickInt(0, 1, 1, 1, 2, 3, 65, 70);
                for (int i = 0; i < peers; i++) {
                    attributes.add(peerAddress(transactionId, description));
                }
                yield CREATE_PERMISSION;
            }
            case CHANNEL_BIND -> {
                maybe(0.9, () -> attributes.add(attribute(ATTR_CHANNEL_NUMBER, channelNumber(description))));
                int peers = pickInt(0, 1, 1, 1, 1, 2);
                for (int i = 0; i < peers; i++) {
                    attributes.add(peerAddress(transactionId, description));
                }
                yield CHANNEL_BIND;
            }
            case SEND -> {
                maybe(0.9, () -> attributes.add(peerAddress(transactionId, description)));
                maybe(0.9, () -> attributes.add(attribute(Stun.ATTR_DATA, bytes(dataLength(description)))));
                maybe(0.1, () -> attributes.add(attribute(ATTR_DONT_FRAGMENT, new byte[0])));
                yield Stun.SEND_INDICATION;
            }
            default -> {
                maybe(0.3, () -> attributes.add(attribute(ATTR_PRIORITY, bytes(4))));
                yield BINDING;
            }
        };
        extraAttributes(attributes, description);
        byte[] key = null;
        if (kind != Kind.SEND && kind != Kind.BINDING || random.nextDouble() < 0.1) {
            key = credentials(attributes, nonce, description);
        }
        Collections.shuffle(attributes, random);
        if (random.nextDouble() < 0.05) {
            // a too-short attribute that ends the message, nothing after it: a reader that trusts
            // the attribute's shape rather than its length runs off the end of the bytes
            int attributeType = pickInt(Stun.ATTR_XOR_PEER_ADDRESS, Stun.ATTR_USERNAME, ATTR_REALM, ATTR_NONCE,
                    ATTR_LIFETIME, ATTR_CHANNEL_NUMBER, ATTR_REQUESTED_TRANSPORT, ATTR_REQUESTED_ADDRESS_FAMILY,
                    ATTR_EVEN_PORT, Stun.ATTR_DATA, Stun.ATTR_MESSAGE_INTEGRITY);
            int length = pickInt(0, 1, 2, 3);
            description.append(String.format(" last=%04x/%d unsealed", attributeType, length));
            attributes.add(attribute(attributeType, bytes(length)));
            byte[] message = frame(type, transactionId, attributes);
            return new Built(kind, type, message, transactionId, null, description.toString());
        }
        byte[] message = frame(type, transactionId, attributes);
        return new Built(kind, type, seal(message, key, description), transactionId, key, description.toString());
    }

    private void allocateAttributes(List<byte[]> attributes, StringBuilder description) {
        if (random.nextDouble() < 0.9) {
            int protocol = pickInt(17, 17, 17, 17, 6, 0, 255);
            byte[] value = switch (random.nextInt(12)) {
                case 0 -> new byte[0];
                case 1 -> new byte[] {(byte) protocol};
                case 2 -> bytes(8);
                default -> new byte[] {(byte) protocol, 0, 0, 0};
            };
            description.append(" transport=").append(value.length == 0 ? "empty" : value[0] & 0xFF)
                    .append("/").append(value.length);
            attributes.add(attribute(ATTR_REQUESTED_TRANSPORT, value));
        }
        maybe(0.5, () -> attributes.add(attribute(ATTR_LIFETIME, lifetime(description))));
        maybe(0.2, () -> {
            description.append(" even-port");
            attributes.add(attribute(ATTR_EVEN_PORT, random.nextBoolean() ? new byte[] {(byte) 0x80} : new byte[1]));
        });
        maybe(0.15, () -> attributes.add(attribute(ATTR_REQUESTED_ADDRESS_FAMILY, family(description))));
        maybe(0.05, () -> {
            description.append(" reservation-token");
            attributes.add(attribute(ATTR_RESERVATION_TOKEN, bytes(8)));
        });
        maybe(0.05, () -> {
            description.append(" dont-fragment");
            attributes.add(attribute(ATTR_DONT_FRAGMENT, new byte[0]));
        });
    }

    /** Unknown attributes: mostly comprehension-optional (ignored), a few required (420). */
    private void extraAttributes(List<byte[]> attributes, StringBuilder description) {
        int count = pickInt(0, 0, 0, 0, 1, 2, 5);
        for (int i = 0; i < count; i++) {
            boolean required = random.nextDouble() < 0.1;
            int type = required ? 0x0030 + random.nextInt(0x10) : 0x8030 + random.nextInt(0x7FC0);
            int length = pickInt(0, 1, 3, 4, 7, 100, 763, 2000);
            description.append(String.format(" extra=%04x/%d", type, length));
            attributes.add(attribute(type, bytes(length)));
        }
    }

    /**
     * USERNAME, REALM and NONCE, mostly right and otherwise extreme; returns the key that
     * MESSAGE-INTEGRITY is computed with (the right one for the username, or a wrong one), or null
     * for a message sent without it.
     */
    private byte[] credentials(List<byte[]> attributes, String nonce, StringBuilder description) {
        boolean hostile = random.nextDouble() < 0.5;
        String username = hostile ? hostileUsername(description) : goodUsername;
        String realmValue = !hostile || random.nextDouble() < 0.5 ? realm : hostileText(description, "realm");
        String nonceValue = nonce == null || hostile && random.nextDouble() < 0.5
                ? hostileText(description, "nonce") : nonce;
        if (hostile && random.nextDouble() < 0.1) {
            description.append(" username=invalid-utf8");
            attributes.add(attribute(Stun.ATTR_USERNAME, bytes(1 + random.nextInt(763))));
        } else if (!hostile || random.nextDouble() < 0.9) {
            attributes.add(attribute(Stun.ATTR_USERNAME, utf8(username)));
        }
        if (!hostile || random.nextDouble() < 0.9) {
            attributes.add(attribute(ATTR_REALM, utf8(realmValue)));
        }
        if (!hostile || random.nextDouble() < 0.9) {
            attributes.add(attribute(ATTR_NONCE, utf8(nonceValue)));
        }
        if (hostile && random.nextDouble() < 0.3) {
            description.append(" no-integrity");
            return null;
        }
        String password = hostile && random.nextDouble() < 0.2 ? "wrong" : secret.passwordFor(username);
        return LongTermCredentials.key(username, realmValue, password);
    }

    private String hostileUsername(StringBuilder description) {
        String username = switch (random.nextInt(10)) {
            case 0 -> "9".repeat(13 + random.nextInt(8)) + ":mallory"; // past Instant's and long's range
            case 1 -> Long.MAX_VALUE + ":mallory";
            case 2 -> pick("", ":", "0", "-1", "+5:x", "1e12:x", " 12:x", "\u0664\u0662:x", "00000000000000000000001:x");
            case 3 -> (clock.instant().getEpochSecond() - 10) + ":expired"; // minted, but expired
            case 4 -> clock.instant().getEpochSecond() + 3600 + ":" + hostileUserId();
            default -> hostileText(description, "user");
        };
        description.append(" username=").append(summary(username));
        return username;
    }

    /** A user id no application would make, behind a valid expiry: it passes authentication. */
    private String hostileUserId() {
        return pick("", ":", "a:b:c", "\u0000", "line\nbreak", "\uD83D\uDCDE".repeat(100), "x".repeat(700),
                "${jndi:ldap://127.0.0.1/}", "%s%n");
    }

    private String hostileText(StringBuilder description, String what) {
        String text = switch (random.nextInt(6)) {
            case 0 -> "";
            case 1 -> "x".repeat(763); // longest allowed
            case 2 -> "x".repeat(764 + random.nextInt(1200)); // over: 400
            case 3 -> new String(bytes(1 + random.nextInt(100)), StandardCharsets.ISO_8859_1);
            case 4 -> "\uD83D\uDCDE\u202E\u0000\r\n" + random.nextInt();
            default -> Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
        };
        description.append(' ').append(what).append('=').append(summary(text));
        return text;
    }

    private byte[] lifetime(StringBuilder description) {
        long seconds = pickLong(0L, 1L, 599L, 600L, 3600L, 3601L, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL,
                random.nextLong() & 0xFFFF_FFFFL);
        description.append(" lifetime=").append(seconds);
        if (random.nextDouble() < 0.05) {
            description.append("/badlength");
            return bytes(pickInt(0, 2, 8));
        }
        return ByteBuffer.allocate(4).putInt((int) seconds).array();
    }

    private byte[] family(StringBuilder description) {
        int family = pickInt(1, 2, 0, 3, 255);
        description.append(" family=").append(family);
        return new byte[] {(byte) family, 0, 0, 0};
    }

    private byte[] channelNumber(StringBuilder description) {
        int channel = pickInt(0x4000, 0x4001, 0x4FFF, 0x5000, 0x7FFF, 0x3FFF, 0x8000, 0xFFFF, 0,
                0x4000 + random.nextInt(0x4000), random.nextInt(0x10000));
        description.append(String.format(" channel=%04x", channel));
        if (random.nextDouble() < 0.05) {
            description.append("/badlength");
            return bytes(pickInt(0, 2, 8));
        }
        return ByteBuffer.allocate(4).putShort((short) channel).putShort((short) random.nextInt(0x10000)).array();
    }

    private int dataLength(StringBuilder description) {
        int length = pickInt(0, 1, 3, 100, 1200, random.nextInt(1500), random.nextInt(9000), 30_000);
        description.append(" data=").append(length);
        return length;
    }

    /** XOR-PEER-ADDRESS: a well-encoded peer of either family, or a value of the wrong shape. */
    private byte[] peerAddress(byte[] transactionId, StringBuilder description) {
        if (random.nextDouble() < 0.15) {
            int family = pickInt(0, 1, 2, 3, 255);
            int length = pickInt(0, 1, 2, 3, 4, 7, 8, 9, 16, 20, 24);
            description.append(" peer=family").append(family).append('/').append(length);
            byte[] value = bytes(length);
            if (length > 1) {
                value[1] = (byte) family;
            }
            return attribute(Stun.ATTR_XOR_PEER_ADDRESS, value);
        }
        InetSocketAddress peer = peer();
        description.append(" peer=").append(peer);
        byte[] ip = peer.getAddress().getAddress();
        if (random.nextDouble() < 0.05) {
            description.append(" as ::ffff:");
            ip = v4Mapped(ip);
        }
        ByteBuffer value = ByteBuffer.allocate(4 + ip.length);
        value.put((byte) (random.nextDouble() < 0.05 ? 0xFF : 0)) // the first byte must be ignored
                .put((byte) (ip.length == 4 ? 1 : 2))
                .putShort((short) (peer.getPort() ^ (Stun.MAGIC_COOKIE >>> 16)));
        byte[] mask = ByteBuffer.allocate(16).putInt(Stun.MAGIC_COOKIE).put(transactionId).array();
        for (int i = 0; i < ip.length; i++) {
            value.put((byte) (ip[i] ^ mask[i]));
        }
        return attribute(Stun.ATTR_XOR_PEER_ADDRESS, value.array());
    }

    private InetSocketAddress peer() {
        int port = pickInt(0, 1, 65535, random.nextInt(65536));
        try {
            return switch (random.nextInt(10)) {
                case 0, 1, 2, 3, 4 -> ownPeers.get(random.nextInt(ownPeers.size()));
                case 5 -> new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
                case 6, 7 -> new InetSocketAddress(InetAddress.getByName(pick(DENIED_V4)), port);
                default -> new InetSocketAddress(InetAddress.getByName(pick(V6)), port);
            };
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ::ffff:a.b.c.d; Java reads it back as the IPv4 address, so only safe addresses get here. */
    private static byte[] v4Mapped(byte[] ip) {
        if (ip.length == 16) {
            return ip;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(ip, 0, mapped, 12, 4);
        return mapped;
    }

    /** ChannelData on a random channel, its length field consistent with the frame (padded on TCP). */
    private Built channelData(boolean stream) {
        int channel = pickInt(0x4000, 0x4001, 0x7FFF, 0x4000 + random.nextInt(0x4000));
        int length = pickInt(0, 1, 3, 100, 1200, random.nextInt(9000));
        // over UDP the datagram may carry more than the length says (RFC 8656 section 12.5)
        int extra = stream ? Stun.padded(length) - length : random.nextInt(4);
        ByteBuffer frame = ByteBuffer.allocate(4 + length + extra);
        frame.putShort((short) channel).putShort((short) length).put(bytes(length));
        return new Built(Kind.CHANNEL_DATA, channel, frame.array(), null, null,
                String.format("CHANNEL_DATA channel=%04x length=%d", channel, length));
    }

    private static byte[] frame(int type, byte[] transactionId, List<byte[]> attributes) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] attribute : attributes) {
            if (body.size() + attribute.length > MAX_BODY) {
                break;
            }
            body.writeBytes(attribute);
        }
        return ByteBuffer.allocate(Stun.HEADER_LENGTH + body.size())
                .putShort((short) type).putShort((short) body.size()).putInt(Stun.MAGIC_COOKIE)
                .put(transactionId).put(body.toByteArray()).array();
    }

    /** MESSAGE-INTEGRITY when there is a key, FINGERPRINT mostly. */
    private byte[] seal(byte[] message, byte[] key, StringBuilder description) {
        if (random.nextDouble() < 0.3) {
            description.append(" no-fingerprint");
            if (key == null) {
                return message;
            }
            byte[] sealed = MessageIntegrity.seal(message, key);
            byte[] withoutFingerprint = java.util.Arrays.copyOf(sealed, sealed.length - 8);
            ByteBuffer.wrap(withoutFingerprint).putShort(2, (short) (withoutFingerprint.length - Stun.HEADER_LENGTH));
            return withoutFingerprint;
        }
        return MessageIntegrity.seal(message, key);
    }

    /** Type, length, value, and padding of random bytes (which receivers must ignore). */
    private byte[] attribute(int type, byte[] value) {
        ByteBuffer attribute = ByteBuffer.allocate(4 + Stun.padded(value.length));
        attribute.putShort((short) type).putShort((short) value.length).put(value);
        while (attribute.hasRemaining()) {
            attribute.put((byte) random.nextInt(256));
        }
        return attribute.array();
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String summary(String text) {
        String printable = text.codePoints().limit(24)
                .mapToObj(c -> c >= 0x20 && c < 0x7F ? Character.toString(c) : String.format("\\u%04x", c))
                .reduce("", String::concat);
        return "'" + printable + (text.length() > 24 ? "...'(" + text.length() + ")" : "'");
    }

    private void maybe(double probability, Runnable action) {
        if (random.nextDouble() < probability) {
            action.run();
        }
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private int pickInt(int... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private long pickLong(long... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
