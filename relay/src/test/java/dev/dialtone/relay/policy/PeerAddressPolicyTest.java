package dev.dialtone.relay.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PeerAddressPolicyTest {

    private final PeerAddressPolicy strict = new PeerAddressPolicy(false, List.of());

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.5.5", "172.31.255.255",
            "192.168.0.1", "169.254.10.10", "100.64.0.1", "0.0.0.0", "224.0.0.251", "239.1.1.1",
            "255.255.255.255", "240.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
            "2001:db8::1"})
    void reservedRangesAreDenied(String address) throws Exception {
        assertFalse(strict.permits(InetAddress.getByName(address)), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "192.169.0.1",
            "2a00:1450:4001::1", "2606:4700::1111"})
    void globalAddressesArePermitted(String address) throws Exception {
        assertTrue(strict.permits(InetAddress.getByName(address)), address);
    }

    @Test
    void loopbackOpensOnlyLoopback() throws Exception {
        PeerAddressPolicy loopback = new PeerAddressPolicy(true, List.of());
        assertTrue(loopback.permits(InetAddress.getByName("127.0.0.1")));
        assertTrue(loopback.permits(InetAddress.getByName("::1")));
        assertFalse(loopback.permits(InetAddress.getByName("10.0.0.1")));
    }

    @Test
    void theAllowListOpensExactlyItsRanges() throws Exception {
        PeerAddressPolicy allowing = new PeerAddressPolicy(false, List.of(Cidr.parse("10.1.0.0/16"),
                Cidr.parse("fd00:1::/32")));
        assertTrue(allowing.permits(InetAddress.getByName("10.1.200.3")));
        assertFalse(allowing.permits(InetAddress.getByName("10.2.0.1")));
        assertTrue(allowing.permits(InetAddress.getByName("fd00:1:ffff::1")));
        assertFalse(allowing.permits(InetAddress.getByName("fd00:2::1")));
    }

    @Test
    void cidrParsing() throws Exception {
        assertEquals("10.0.0.0/8", Cidr.parse("10.0.0.0/8").toString());
        assertTrue(Cidr.parse("192.0.2.7").contains(InetAddress.getByName("192.0.2.7")));
        assertFalse(Cidr.parse("192.0.2.7").contains(InetAddress.getByName("192.0.2.8")));
        assertTrue(Cidr.parse("10.128.0.0/9").contains(InetAddress.getByName("10.200.0.1")));
        assertFalse(Cidr.parse("10.128.0.0/9").contains(InetAddress.getByName("10.100.0.1")));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
    }
}
