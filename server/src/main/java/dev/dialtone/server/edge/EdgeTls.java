package dev.dialtone.server.edge;

import dev.dialtone.relay.server.TlsEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;

/**
 * TLS on one edge connection, over its blocking socket, on the connection's virtual thread: the
 * handshake, then plaintext streams for what comes first and for HTTP. It runs on a
 * {@link TlsEngine} rather than an {@link javax.net.ssl.SSLSocket} so that a connection found to
 * carry TURN goes to the relay's stream loop as it is, engine, buffered records and all, and no
 * thread of its own serves it there.
 *
 * <p>Reads go through the socket's stream, which keeps its read timeout; records are written
 * whole, in the order they were sealed, whichever thread writes.
 */
final class EdgeTls {

    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final TlsEngine engine;
    private final ReadableByteChannel in;
    private final TlsEngine.Output out;
    private final InputStream plainIn = new PlainInput();
    private final OutputStream plainOut = new PlainOutput();

    private EdgeTls(TlsEngine engine, Socket socket) throws IOException {
        this.engine = engine;
        this.in = new Reads(socket.getInputStream());
        OutputStream raw = socket.getOutputStream();
        // the engine's buffers are heap buffers: their arrays go to the socket as they are
        this.out = record -> {
            raw.write(record.array(), record.arrayOffset() + record.position(), record.remaining());
            record.position(record.limit());
        };
    }

    /**
     * Handshakes as the server over {@code socket}, which is blocking.
     *
     * @param head  the bytes already read from it, the start of the client's first record
     * @param alpn  what to choose from the client's ALPN protocols (RFC 7301); null for none
     */
    static EdgeTls handshake(Socket socket, byte[] head, SSLContext context, Function<List<String>, String> alpn)
            throws IOException {
        SSLEngine ssl = context.createSSLEngine();
        ssl.setUseClientMode(false);
        ssl.setHandshakeApplicationProtocolSelector((e, offered) -> alpn.apply(offered));
        TlsEngine engine = new TlsEngine(ssl);
        engine.received(head);
        ssl.beginHandshake();
        EdgeTls tls = new EdgeTls(engine, socket);
        while (engine.handshaking()) {
            if (engine.read(tls.in, NOTHING, tls.out) < 0) {
                throw new SSLHandshakeException("the client closed during the TLS handshake"); // counted tls_failed
            }
        }
        return tls;
    }

    /** For the relay, once the connection is found to carry TURN: what it read and has not yet given out comes along. */
    TlsEngine engine() {
        return engine;
    }

    String applicationProtocol() {
        return engine.applicationProtocol();
    }

    InputStream input() {
        return plainIn;
    }

    OutputStream output() {
        return plainOut;
    }

    /** Best effort: the close_notify, so that the client knows the response was not cut short. */
    void closeOutbound() {
        try {
            engine.closeOutbound(out);
        } catch (IOException e) {
            // the socket is going anyway
        }
    }

    /**
     * The socket's stream as the engine reads it, straight into the engine's heap buffer (the
     * JDK's {@code Channels.newChannel} would copy through a buffer of its own, 8 KiB kept per
     * connection).
     */
    private static final class Reads implements ReadableByteChannel {

        private final InputStream in;

        Reads(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(ByteBuffer into) throws IOException {
            int n = in.read(into.array(), into.arrayOffset() + into.position(), into.remaining());
            if (n > 0) {
                into.position(into.position() + n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true; // the socket's; closing is the edge's
        }

        @Override
        public void close() {
            // the edge closes the socket
        }
    }

    private final class PlainInput extends InputStream {

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n;
            do {
                n = engine.read(in, ByteBuffer.wrap(b, off, len), out); // 0: a record that carried no data
            } while (n == 0);
            return n;
        }
    }

    private final class PlainOutput extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            engine.seal(ByteBuffer.wrap(b, off, len), out);
        }
    }
}
