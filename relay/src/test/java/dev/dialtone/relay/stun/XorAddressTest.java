package dev.dialtone.relay.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class XorAddressTest {

    @Test
    void inet4HashCodeIsTheAddressAsAnInt() throws Exception {
        // the forwarding path relies on it to avoid getAddress()'s copy
        InetAddress address = InetAddress.getByName("198.51.100.200");
        assertEquals(ByteBuffer.wrap(address.getAddress()).getInt(), ((Inet4Address) address).hashCode());
    }

    @Test
    void roundTripsIpv4AndIpv6AndMatchesWithoutDecoding() {
        for (InetSocketAddress address : new InetSocketAddress[] {
                new InetSocketAddress("198.51.100.200", 65000), new InetSocketAddress("2001:db8::1:2", 3478)}) {
            ByteBuffer message = ByteBuffer.allocate(64);
            message.putInt(0, 0x00010000).putInt(4, Stun.MAGIC_COOKIE).putLong(8, 0x0102030405060708L).putInt(16, 42);
            int length = XorAddress.valueLength(address.getAddress());
            XorAddress.write(message, 0, 24, address);
            assertEquals(address, XorAddress.decode(message, 0, 24, length));
            assertTrue(XorAddress.matches(message, 0, 24, length, address));
            assertFalse(XorAddress.matches(message, 0, 24, length, new InetSocketAddress(address.getAddress(), 1)));
        }
    }

    @Test
    void rfc5769SampleDecodes() {
        // RFC 5769 section 2.2: XOR-MAPPED-ADDRESS 192.0.2.1:32853 in a response with this transaction id
        ByteBuffer message = ByteBuffer.allocate(32);
        message.putInt(4, Stun.MAGIC_COOKIE).putInt(8, 0xb7e7a701).putInt(12, 0xbc34d686).putInt(16, 0xfa87dfae);
        message.putInt(20, 0x0001a147).putInt(24, 0xe112a643);
        assertEquals(new InetSocketAddress("192.0.2.1", 32853), XorAddress.decode(message, 0, 20, 8));
    }
}
