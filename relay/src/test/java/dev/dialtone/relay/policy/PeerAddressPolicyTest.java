package dev.dialtone.relay.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerAddressPolicyTest {

    @Test
    void deniesEveryNonGlobalRangeByDefault() {
        PeerAddressPolicy policy = new PeerAddressPolicy(false, List.of());
        for (String peer : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1",
                "100.64.0.1", "224.0.0.1", "255.255.255.255", "0.0.0.0", "192.0.2.9", "::1", "fd00::1",
                "fe80::1", "ff02::1")) {
            assertFalse(policy.permits(ip(peer)), peer);
        }
        assertTrue(policy.permits(ip("8.8.8.8")));
        assertTrue(policy.permits(ip("2a00:1450::1")));
    }

    @Test
    void opensLoopbackAndListedRangesOnPurpose() {
        PeerAddressPolicy policy = new PeerAddressPolicy(true, List.of(Cidr.parse("10.1.0.0/16")));
        assertTrue(policy.permits(ip("127.0.0.1")));
        assertTrue(policy.permits(ip("10.1.200.7")));
        assertFalse(policy.permits(ip("10.2.0.1")));
    }


    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
