package dev.dialtone.relay.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class StunRequestTest {

    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replace(" ", ""));
    }

    @Test
    void readsAllocateAsCoturnsClientSendsIt() throws Exception {
        // captured from turnutils_uclient: REQUESTED-TRANSPORT, LIFETIME, EVEN-PORT (length 1),
        // REQUESTED-ADDRESS-FAMILY, FINGERPRINT; ice4j's decoder rejects the two in the middle
        byte[] raw = hex("000300282112a442ccc4047f5018e8012493ab4c 0019000411000000 000d000400000309"
                + " 0018000100000000 0017000401000000 802800041cc7005d");
        StunRequest request = StunRequest.parse(raw);
        assertEquals(0x0003, request.type());
        assertEquals(17, request.requestedTransport().getAsInt());
        assertEquals(777, request.lifetime().getAsInt());
        assertTrue(request.evenPort());
        assertEquals(StunRequest.FAMILY_IPV4, request.requestedAddressFamily().getAsInt());
        assertEquals(0, request.unknownRequired().length);
    }

    @Test
    void keepsEveryPeerAddressAndListsUnknownRequiredAttributes() throws Exception {
        ByteBuffer message = ByteBuffer.allocate(20 + 12 + 24 + 8 + 8);
        message.putShort((short) 0x0008).putShort((short) (message.capacity() - 20)).putInt(Stun.MAGIC_COOKIE);
        message.put(new byte[12]);
        message.putShort((short) Stun.ATTR_XOR_PEER_ADDRESS).putShort((short) 8);
        XorAddress.write(message, 0, 24, new InetSocketAddress("198.51.100.1", 5000));
        message.position(32).putShort((short) Stun.ATTR_XOR_PEER_ADDRESS).putShort((short) 20);
        XorAddress.write(message, 0, 36, new InetSocketAddress("2001:db8::7", 6000));
        message.position(56).putShort((short) 0x0003).putShort((short) 4).putInt(0); // CHANGE-REQUEST
        message.putShort((short) 0x8022).putShort((short) 4).putInt(0); // SOFTWARE: optional
        StunRequest request = StunRequest.parse(message.array());
        assertEquals(List.of(new InetSocketAddress("198.51.100.1", 5000), new InetSocketAddress("2001:db8::7", 6000)),
                request.peers());
        assertArrayEquals(new char[] {0x0003}, request.unknownRequired());
    }

    /** Shorter than family and port: read past the attribute, these ran off the end of the message. */
    @Test
    void aPeerAddressTooShortToHoldFamilyAndPortIsMalformed() throws Exception {
        for (int length = 0; length < 4; length++) {
            ByteBuffer message = ByteBuffer.allocate(20 + 4 + Stun.padded(length));
            message.putShort((short) 0x0008).putShort((short) (message.capacity() - 20)).putInt(Stun.MAGIC_COOKIE);
            message.put(new byte[12]).putShort((short) Stun.ATTR_XOR_PEER_ADDRESS).putShort((short) length);
            StunRequest request = StunRequest.parse(message.array());
            assertTrue(request.malformedPeer(), "length " + length);
            assertEquals(List.of(), request.peers());
        }
    }

    @Test
    void rejectsOverrunsAndBadFingerprints() {
        byte[] overrun = hex("000100082112a442000000000000000000000000 00060010616c6963");
        assertThrows(StunRequest.MalformedRequest.class, () -> StunRequest.parse(overrun));
        byte[] badFingerprint = hex("000300282112a442ccc4047f5018e8012493ab4c 0019000411000000 000d000400000309"
                + " 0018000100000000 0017000401000000 802800041cc7005e");
        assertThrows(StunRequest.MalformedRequest.class, () -> StunRequest.parse(badFingerprint));
    }
}
