package dev.dialtone.server.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class EdgeStampTest {

    private final EdgeStamp stamp = new EdgeStamp();

    @Test
    void itsOwnHeaderNamesTheClient() throws Exception {
        String line = stamp.line(new InetSocketAddress("198.51.100.7", 50000), new InetSocketAddress("203.0.113.10", 443), true);
        assertTrue(line.startsWith(EdgeStamp.HEADER + ": ") && line.endsWith("\r\n"), line);
        EdgeStamp.EdgeClient client = stamp.read(line.substring(EdgeStamp.HEADER.length() + 2).trim()).orElseThrow();
        assertEquals(InetAddress.getByName("198.51.100.7"), client.client());
        assertEquals(InetAddress.getByName("203.0.113.10"), client.local());
        assertTrue(client.tls());
    }

    @Test
    void anotherSecretOrAMalformedValueIsNotBelieved() {
        String line = new EdgeStamp().line(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2), false);
        String value = line.substring(EdgeStamp.HEADER.length() + 2).trim();
        assertTrue(stamp.read(value).isEmpty(), "another process's (or a guessed) secret");
        for (String bad : new String[] {null, "", "x", "0".repeat(32) + " tls 1.2.3.4", "0".repeat(32) + " tls evil.example 1.2.3.4"}) {
            assertTrue(stamp.read(bad).isEmpty(), String.valueOf(bad));
        }
    }
}
