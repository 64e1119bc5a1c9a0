package dev.dialtone.relay.io;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

/** Real loopback sockets and recognisable payloads, for the reader and sender contract tests. */
final class TestDatagrams {

    private TestDatagrams() {
    }

    /** A non-blocking channel bound to an ephemeral port of {@code address}. */
    static DatagramChannel openBound(InetAddress address) throws IOException {
        DatagramChannel channel = DatagramChannel.open(address instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        channel.bind(new InetSocketAddress(address, 0));
        channel.configureBlocking(false);
        return channel;
    }

    /** {@code length} bytes that differ from those of any other {@code seed}. */
    static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i);
        }
        return bytes;
    }
}
