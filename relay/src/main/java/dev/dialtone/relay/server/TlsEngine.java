package dev.dialtone.relay.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.ArrayBlockingQueue;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS for one stream connection: an {@link SSLEngine} and its buffers. Reads decrypt into the
 * caller's buffer (the framer's) and take part in the handshake as it asks; {@link #seal} turns a
 * frame into TLS records, one record per frame up to a record's size, because coturn's clients read
 * one TURN message per record. The relay's {@link StreamLoop} drives it over a non-blocking socket;
 * the edge port drives the handshake over a blocking one, then hands it to the loop with the
 * connection (or keeps it, for HTTP).
 *
 * <p>Memory follows use, so that an idle connection holds no buffer: ciphertext is read into a
 * buffer lent for the read and kept only while part of a record waits in it (grown to the record's
 * size when a large one comes); plaintext that does not fit the caller's buffer waits in a buffer
 * made only for that; the ciphertext written is built in a buffer lent for one record, since a
 * record is written or queued at once. As many buffers exist as threads read or seal at once
 * (a blocking handshake read holds its buffer while it waits), not one per connection.
 * One thread reads at a time. Writes may come from another thread than reads (the edge forwards
 * both ways at once): each record is made and handed to its output in one step, under this
 * object's lock, so that records reach the socket in the order they were sealed.
 */
public final class TlsEngine {

    /** Ciphertext read buffer lent to a read: a handshake's first flight, STUN requests and audio. */
    private static final int FIRST_SIZE = 4096;
    /** What TLS adds to a record at most (header, nonce, tag, padding): bounds a sealed frame's size. */
    private static final int RECORD_OVERHEAD = 256;
    /** The largest TLS record's plaintext: a larger frame is sealed as several records. */
    private static final int MAX_PLAINTEXT = 16 * 1024;
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    /**
     * Buffers records are sealed into, lent for one record and its write. Threads that seal (the
     * stream loop, a UDP loop hairpinning, the edge's virtual threads: one per connection) take
     * one each; a few are kept for the next.
     */
    private static final ArrayBlockingQueue<ByteBuffer> SEAL_BUFFERS = new ArrayBlockingQueue<>(16);
    /** Buffers of {@link #FIRST_SIZE} lent to reads, the same way; a larger one is dropped after its record. */
    private static final ArrayBlockingQueue<ByteBuffer> READ_BUFFERS = new ArrayBlockingQueue<>(16);

    private final SSLEngine engine;
    /** Ciphertext read and not yet decrypted, from index 0 to the position; null when none is. */
    private ByteBuffer cipher;
    /** Plaintext decrypted and not yet taken, between position and limit; null when none is waiting. */
    private ByteBuffer plain;

    /** Where records go: the connection's socket (on the loop, through its write queue); takes all of them. */
    public interface Output {
        void write(ByteBuffer record) throws IOException;
    }

    public TlsEngine(SSLEngine engine) {
        this.engine = engine;
    }

    /** Ciphertext read from the socket before this engine was made (the bytes that told TLS apart), read first. */
    public void received(byte[] bytes) {
        if (cipher == null) {
            cipher = lentReadBuffer();
        }
        if (cipher.remaining() < bytes.length) {
            cipher = ByteBuffer.allocate(cipher.position() + bytes.length).put(cipher.flip());
        }
        cipher.put(bytes);
    }

    /** True until the handshake is over (a server engine's begins with the client's first record). */
    public boolean handshaking() {
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        return status != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && status != SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** What ALPN chose (RFC 7301), once the handshake is over; null or empty when nothing was. */
    public String applicationProtocol() {
        return engine.getApplicationProtocol();
    }

    /**
     * Reads plaintext into {@code into} (position to limit); returns how many bytes, 0 when none
     * can be had now (a non-blocking channel had nothing, or {@code into} has no room), -1 when the
     * client closed. Handshake messages it reads are answered through {@code out}. With a null
     * {@code channel} only what is buffered is read.
     */
    public int read(ReadableByteChannel channel, ByteBuffer into, Output out) throws IOException {
        try {
            return readLending(channel, into, out);
        } finally {
            if (cipher != null && cipher.position() == 0) {
                if (cipher.capacity() == FIRST_SIZE) {
                    READ_BUFFERS.offer(cipher); // dropped when enough are kept
                }
                cipher = null;
            }
        }
    }

    private static ByteBuffer lentReadBuffer() {
        ByteBuffer lent = READ_BUFFERS.poll();
        return lent == null ? ByteBuffer.allocate(FIRST_SIZE) : lent.clear();
    }

    private int readLending(ReadableByteChannel channel, ByteBuffer into, Output out) throws IOException {
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
            if (!into.hasRemaining() && !handshaking()) {
                return 0; // a caller driving the handshake alone stops at its end, with no wait for data
            }
            if (engine.isInboundDone()) {
                return -1;
            }
            if (cipher != null && cipher.position() > 0) {
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
            if (cipher == null) {
                cipher = lentReadBuffer();
            } else if (!cipher.hasRemaining()) {
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

    /**
     * True when {@link #read} may give plaintext without reading its channel: decrypted bytes wait,
     * or ciphertext does (perhaps only part of a record).
     */
    public boolean holdsInput() {
        return plain != null || cipher != null;
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
    public void seal(ByteBuffer frame, Output out) throws IOException {
        while (frame.hasRemaining()) {
            int limit = frame.limit();
            frame.limit(frame.position() + Math.min(frame.remaining(), MAX_PLAINTEXT));
            int before = frame.position();
            try {
                wrap(frame, out);
            } finally {
                frame.limit(limit);
            }
            if (frame.position() == before) {
                throw new SSLException("TLS is closed for writing: " + frame.remaining() + " bytes not sent");
            }
        }
    }

    /** How many bytes {@code plaintext} bytes take sealed, at most. */
    public static int sealedSize(int plaintext) {
        return plaintext + (plaintext / MAX_PLAINTEXT + 1) * RECORD_OVERHEAD;
    }

    /** The close_notify alert, handed to {@code out}. */
    public void closeOutbound(Output out) throws IOException {
        engine.closeOutbound();
        wrap(NOTHING, out);
    }

    /**
     * Wraps {@code src} until it is consumed, or once when it is empty (a handshake message, an
     * alert); returns the bytes made.
     */
    private synchronized int wrap(ByteBuffer src, Output out) throws IOException {
        int size = engine.getSession().getPacketBufferSize();
        ByteBuffer sealed = SEAL_BUFFERS.poll();
        if (sealed == null || sealed.capacity() < size) {
            sealed = ByteBuffer.allocate(size);
        }
        try {
            return wrap(src, out, sealed);
        } finally {
            SEAL_BUFFERS.offer(sealed); // dropped when enough are kept
        }
    }

    private int wrap(ByteBuffer src, Output out, ByteBuffer sealed) throws IOException {
        int made = 0;
        do {
            sealed.clear();
            SSLEngineResult result = engine.wrap(src, sealed);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new SSLException("a sealed record does not fit " + sealed.capacity() + " bytes");
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
