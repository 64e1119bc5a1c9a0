package dev.dialtone.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UdpAddressesTest {

    @Test
    void aConcreteAddressStaysAsItIs() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        assertEquals(Set.of(loopback), UdpAddresses.expand(List.of(loopback)));
    }

    @Test
    void theIpv4WildcardBecomesEveryConcreteIpv4AddressOnce() throws Exception {
        Set<InetAddress> out = UdpAddresses.expand(List.of(InetAddress.getByName("0.0.0.0"),
                InetAddress.getByName("127.0.0.1")));
        assertTrue(out.contains(InetAddress.getByName("127.0.0.1")), out.toString());
        assertTrue(out.stream().allMatch(a -> a instanceof Inet4Address && !a.isAnyLocalAddress()), out.toString());
        assertFalse(out.isEmpty());
    }
}
