package dev.dialtone.signaling.turn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
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
}
