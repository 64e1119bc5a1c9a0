package dev.dialtone.relay.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dialtone.relay.RelayUnderTest;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;

class RelayPortsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void portsTheRelayHoldsAreNotTriedAgain() throws Exception {
        int min = RelayUnderTest.relayPortBase() + 90;
        // the OS would bind min and min + 1; the relay's own allocations hold min + 1
        RelayPorts ports = new RelayPorts(LOOPBACK, min, min + 1, port -> port == min + 1);
        try (DatagramChannel socket = ports.bind(false)) {
            assertEquals(min, ((InetSocketAddress) socket.getLocalAddress()).getPort());
        }
    }

    @Test
    void aRangeTheRelayHoldsWhollyIsFullWithoutAskingTheOs() {
        int min = RelayUnderTest.relayPortBase() + 90;
        RelayPorts ports = new RelayPorts(LOOPBACK, min, min + 1, port -> true);
        BindException full = assertThrows(BindException.class, () -> ports.bind(false));
        assertEquals("no free relay port in " + min + "-" + (min + 1) + " on 127.0.0.1", full.getMessage());
    }
}
