package dev.dialtone.relay.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS for a connection served by the {@link StreamLoop}: an {@link SSLEngine} over a non-blocking
 * socket. Reads decrypt into the caller's buffer (the framer's) and take part in the handshake as
 * it asks; {@link #seal} turns a frame into TLS records, one record per frame up to a record's
 * size, because coturn's clients read one TURN message per record.
 *
 * <p>Memory follows use: the ciphertext read buffer starts small and grows to the largest record
 * seen; plaintext that does not fit the caller's buffer waits in a buffer made only for that; the
 * ciphertext written is built in one buffer per thread, since it is written or queued at once.
 * Not thread-safe: the connection reads on the loop only and seals under its write lock.
 */
final class LoopTls {

    /** Ciphertext read buffer to start with: a handshake's first flight, STUN requests and audio. */
    private static final int FIRST_SIZE = 4096;
    /** What TLS adds to a record at most (header, nonce, tag, padding): bounds a sealed frame's size. */
    static final int RECORD_OVERHEAD = 256;
    /** The largest TLS record's plaintext: a larger frame is sealed as several records. */
    private static final int MAX_PLAINTEXT = 16 * 1024;
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    /** One per thread that seals (the loop, and a UDP loop hairpinning): a record is written or queued before the next. */
    private static final ThreadLocal<ByteBuffer> SEALED = new ThreadLocal<>();

    private final SSLEngine engine;
    /** Ciphertext read and not yet decrypted, from index 0 to the position. */
    private ByteBuffer cipher = ByteBuffer.allocate(FIRST_SIZE);
    /** Plaintext decrypted and not yet taken, between position and limit; null when none is waiting. */
    private ByteBuffer plain;

    /** Where handshake records go: the connection's socket, through its write queue. */
    interface Output {
        void write(ByteBuffer record) throws IOException;
    }

    LoopTls(SSLEngine engine) {
        this.engine = engine;
    }

    /**
     * Reads plaintext into {@code into} (position to limit); returns how many bytes, 0 when none
     * can be had now, -1 when the client closed. Handshake messages it reads are answered through
     * {@code out}. With a null {@code channel} only what is buffered is read.
     */
    int read(SocketChannel channel, ByteBuffer into, Output out) throws IOException {
        while (true) {
            if (plain != null) {
                return takePlain(into);
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> {
                    Runnable task = engine.getDelegatedTask();
                    if (task == null) {
                        throw new SSLException("the TLS engine asked for a task and gave none");
                    }
                    task.run(); // on the loop: a handshake's key exchange, as coturn's loops do it
                    continue;
                }
                case NEED_WRAP -> {
                    if (wrap(NOTHING, out) == 0) {
                        throw new SSLException("the TLS engine asked to write and wrote nothing");
                    }
                    continue;
                }
                default -> {
                }
            }
            if (engine.isInboundDone()) {
                return -1;
            }
            if (cipher.position() > 0) {
                cipher.flip();
                SSLEngineResult result;
                try {
                    result = engine.unwrap(cipher, into);
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        plain = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                        result = engine.unwrap(cipher, plain);
                        plain.flip();
                        if (!plain.hasRemaining()) {
                            plain = null;
                        }
                    }
                } finally {
                    cipher.compact();
                }
                switch (result.getStatus()) {
                    case CLOSED -> {
                        return -1;
                    }
                    case OK -> {
                        if (result.bytesProduced() > 0 && plain == null) {
                            return result.bytesProduced();
                        }
                        if (result.bytesConsumed() > 0 || plain != null || handshakeMoves(result)) {
                            continue;
                        }
                        // nothing taken, nothing made: read more below rather than ask again
                    }
                    default -> {
                        // BUFFER_UNDERFLOW: a record is not all here yet; read more below
                    }
                }
            }
            if (!cipher.hasRemaining()) {
                int size = engine.getSession().getPacketBufferSize();
                if (cipher.capacity() >= size) {
                    throw new SSLException("a TLS record larger than " + size + " bytes");
                }
                cipher = ByteBuffer.allocate(size).put(cipher.flip());
            }
            int n = channel == null ? 0 : channel.read(cipher);
            if (n < 0) {
                return -1;
            }
            if (n == 0) {
                return 0;
            }
        }
    }

    private static boolean handshakeMoves(SSLEngineResult result) {
        return result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK
                || result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP;
    }

    private int takePlain(ByteBuffer into) {
        int n = Math.min(into.remaining(), plain.remaining());
        into.put(into.position(), plain, plain.position(), n).position(into.position() + n);
        plain.position(plain.position() + n);
        if (!plain.hasRemaining()) {
            plain = null;
        }
        return n;
    }

    /** Seals the frame between position and limit as records, each handed to {@code out} before the next is made. */
    void seal(ByteBuffer frame, Output out) throws IOException {
        while (frame.hasRemaining()) {
            int limit = frame.limit();
            frame.limit(frame.position() + Math.min(frame.remaining(), MAX_PLAINTEXT));
            try {
                wrap(frame, out);
            } finally {
                frame.limit(limit);
            }
        }
    }

    /** How many bytes {@code plaintext} bytes take sealed, at most. */
    static int sealedSize(int plaintext) {
        return plaintext + (plaintext / MAX_PLAINTEXT + 1) * RECORD_OVERHEAD;
    }

    /** The close_notify alert, handed to {@code out}. */
    void closeOutbound(Output out) throws IOException {
        engine.closeOutbound();
        wrap(NOTHING, out);
    }

    /**
     * Wraps {@code src} until it is consumed, or once when it is empty (a handshake message, an
     * alert); returns the bytes made.
     */
    private int wrap(ByteBuffer src, Output out) throws IOException {
        ByteBuffer sealed = SEALED.get();
        int size = engine.getSession().getPacketBufferSize();
        if (sealed == null || sealed.capacity() < size) {
            sealed = ByteBuffer.allocate(size);
            SEALED.set(sealed);
        }
        int made = 0;
        do {
            sealed.clear();
            SSLEngineResult result = engine.wrap(src, sealed);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new SSLException("a sealed record does not fit " + size + " bytes");
            }
            sealed.flip();
            made += sealed.remaining();
            if (sealed.hasRemaining()) {
                out.write(sealed);
            }
            if (result.getStatus() == SSLEngineResult.Status.CLOSED || result.bytesProduced() == 0) {
                return made;
            }
        } while (src.hasRemaining());
        return made;
    }
}
