package dev.dialtone.server.edge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.dialtone.server.edge.FirstBytes.Protocol;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FirstBytesTest {

    private static final byte[] BINDING = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, (byte) 0xA4, 0x42, 1, 2, 3, 4};

    @Test
    void tlsStunAndHttpAreToldApart() throws IOException {
        assertEquals(Protocol.TLS, read(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00}).protocol());
        assertEquals(Protocol.STUN, read(BINDING).protocol());
        assertEquals(Protocol.HTTP, read("GET /socket.io/ HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)).protocol());
        assertEquals(Protocol.HTTP, read("OPTIONS * HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)).protocol());
    }

    @Test
    void whatWasReadIsKeptToBeHandedOn() throws IOException {
        FirstBytes stun = read(BINDING);
        assertArrayEquals(Arrays.copyOf(BINDING, FirstBytes.MOST), stun.bytes());
        assertArrayEquals(new byte[] {0x16, 0x03, 0x01}, read(new byte[] {0x16, 0x03, 0x01}).bytes());
    }

    @Test
    void anythingElseIsOther() throws IOException {
        for (String text : new String[] {"SSH-2.0-OpenSSH\r\n", "get / HTTP/1.1", "GETX / HTTP/1.1", "BREW / HTCPCP/1.0",
                "GETTINGLONG", " GET / HTTP/1.1"}) {
            assertEquals(Protocol.OTHER, read(text.getBytes(StandardCharsets.US_ASCII)).protocol(), text);
        }
        // STUN framing without the magic cookie (RFC 3489 or garbage), a TLS-looking byte without a version
        assertEquals(Protocol.OTHER, read(new byte[] {0x00, 0x01, 0x00, 0x00, 1, 2, 3, 4}).protocol());
        assertEquals(Protocol.OTHER, read(new byte[] {0x16, 0x7F}).protocol());
        // ChannelData (0x40-0x7F) never opens a connection
        assertEquals(Protocol.OTHER, read(new byte[] {0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4}).protocol());
    }

    @Test
    void bytesArrivingOneByOneAreWaitedFor() throws IOException {
        assertEquals(Protocol.STUN, FirstBytes.read(trickle(BINDING)).protocol());
        assertEquals(Protocol.HTTP, FirstBytes.read(trickle("POST /x".getBytes(StandardCharsets.US_ASCII))).protocol());
    }

    @Test
    void aStreamThatEndsFirstIsNothing() throws IOException {
        assertNull(FirstBytes.read(new ByteArrayInputStream(new byte[0])));
        assertNull(FirstBytes.read(new ByteArrayInputStream(new byte[] {0x00, 0x01, 0x00})));
        assertNull(FirstBytes.read(new ByteArrayInputStream("GE".getBytes(StandardCharsets.US_ASCII))));
    }

    private static FirstBytes read(byte[] bytes) throws IOException {
        return FirstBytes.read(new ByteArrayInputStream(bytes));
    }

    /** A stream that hands out one byte per read, as a slow client's packets would. */
    private static InputStream trickle(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(1, len));
            }
        };
    }
}
