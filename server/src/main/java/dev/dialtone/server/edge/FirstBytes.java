package dev.dialtone.server.edge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * What a connection carries, told from its first bytes (never from SNI alone): a TLS record
 * (handshake, 0x16 0x03), a STUN message (first two bits 0, the magic cookie 0x2112A442 in bytes
 * 4-7; RFC 8489 section 5, RFC 7983 section 7), or an HTTP request (a method token and a space).
 * ChannelData cannot open a connection: a channel is only bound on one that already carries STUN.
 *
 * @param bytes what was read to tell, to be handed on with the connection
 */
record FirstBytes(Protocol protocol, byte[] bytes) {

    /** The most bytes read to tell: "OPTIONS " and a STUN header's first 8 both fit. */
    static final int MOST = 8;
    private static final Set<String> METHODS = Set.of("GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH");
    private static final int COOKIE = 0x2112A442;

    enum Protocol { TLS, STUN, HTTP, OTHER }

    /** Reads until the protocol is known (at most {@link #MOST} bytes); null when the stream ends first. */
    static FirstBytes read(InputStream in) throws IOException {
        byte[] buffer = new byte[MOST];
        int n = 0;
        while (n < MOST) {
            int read = in.read(buffer, n, MOST - n);
            if (read < 0) {
                return null;
            }
            n += read;
            Protocol protocol = of(buffer, n);
            if (protocol != null) {
                return new FirstBytes(protocol, Arrays.copyOf(buffer, n));
            }
        }
        return new FirstBytes(Protocol.OTHER, buffer);
    }

    /** The protocol of a connection that began with {@code b[0..n)}; null when more bytes are needed. */
    static Protocol of(byte[] b, int n) {
        int first = b[0] & 0xFF;
        if (first == 0x16) {
            return n < 2 ? null : b[1] == 0x03 ? Protocol.TLS : Protocol.OTHER;
        }
        if ((first & 0xC0) == 0) {
            if (n < 8) {
                return null;
            }
            int cookie = (b[4] & 0xFF) << 24 | (b[5] & 0xFF) << 16 | (b[6] & 0xFF) << 8 | b[7] & 0xFF;
            return cookie == COOKIE ? Protocol.STUN : Protocol.OTHER;
        }
        for (int i = 0; i < n; i++) {
            if (b[i] == ' ') {
                return i > 0 && METHODS.contains(new String(b, 0, i, StandardCharsets.US_ASCII))
                        ? Protocol.HTTP : Protocol.OTHER;
            }
            if (b[i] < 'A' || b[i] > 'Z') {
                return Protocol.OTHER;
            }
        }
        return n < MOST ? null : Protocol.OTHER;
    }
}
