package dev.dialtone.signaling.turn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.corundumstudio.socketio.HandshakeData;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReachedHostTest {

    @Test
    void theHostPartOfAValidHostHeaderLowerCased() {
        assertEquals("calls.example.com", ReachedHost.hostOf("Calls.Example.COM:443"));
        assertEquals("calls.example.com", ReachedHost.hostOf("calls.example.com."));
        assertEquals("198.51.100.7", ReachedHost.hostOf("198.51.100.7"));
        assertEquals("[2001:db8::5]", ReachedHost.hostOf("[2001:DB8::5]:4002"));
        assertEquals("localhost", ReachedHost.hostOf(" localhost "));
    }

    @Test
    void nothingThatIsNotAHost() {
        for (String bad : new String[] {null, "", "bad_host", "a..b", "-x.test", "x.test:99999", "x.test:", "x.test:80:81",
                "[zz::1]", "[::1", "[fe80::1%eth0]", "0.0.0.0", "x y", "a".repeat(254), "http://x.test"}) {
            assertNull(ReachedHost.hostOf(bad), String.valueOf(bad));
        }
    }

    @Test
    void addressesAsUrlHosts() throws Exception {
        assertEquals("192.0.2.1", ReachedHost.literal(InetAddress.getByName("192.0.2.1")));
        assertEquals("[2001:db8:0:0:0:0:0:1]", ReachedHost.literal(InetAddress.getByName("2001:db8::1")));
    }

    @Test
    void aHandshakeTheEdgeCarriedIsMarkedAndJudgedByTheEdgesClient() throws Exception {
        InetAddress client = InetAddress.getByName("198.51.100.7");
        InetAddress edgeAddress = InetAddress.getByName("203.0.113.10");
        EdgeConnections edge = h -> "yes".equals(h.getHttpHeaders().get("Test-Edge"))
                ? Optional.of(new EdgeConnections.Carried(client, edgeAddress)) : Optional.empty();
        ReachedHost reached = new ReachedHost(a -> false, InetAddress.getByName("192.0.2.1"), edge);
        assertEquals(new ReachedBy("calls.example.com", true), reached.of(handshake("calls.example.com", true)));
        // the edge's own connection comes from loopback, its client does not: no loopback host for it
        assertEquals(new ReachedBy("203.0.113.10", true), reached.of(handshake("127.0.0.1", true)));
        assertEquals(new ReachedBy("calls.example.com", false), reached.of(handshake("calls.example.com", false)));
        assertEquals(new ReachedBy("127.0.0.1", false), reached.of(handshake("127.0.0.1", false)));
    }

    /** A handshake that arrived over loopback (as the edge's connections do) naming {@code host}. */
    private static HandshakeData handshake(String host, boolean viaEdge) {
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set("Host", host);
        if (viaEdge) {
            headers.set("Test-Edge", "yes");
        }
        return new HandshakeData(headers, Map.of(), new InetSocketAddress("127.0.0.1", 40000),
                new InetSocketAddress("127.0.0.1", 4002), "/socket.io/", false);
    }
}
