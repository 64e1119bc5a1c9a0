package dev.dialtone.relay.server;

import dev.dialtone.relay.stun.ChannelData;
import dev.dialtone.relay.stun.Stun;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Cuts a TCP or TLS byte stream into the frames RFC 8656 section 3.1 puts on it, back to back:
 * STUN messages (the 20-byte header, then the body length it gives) and ChannelData (the 4-byte
 * header, then the data padded to 4 bytes). Framing only; what a frame means is
 * {@link ClientPackets}' business, and when to give up on the stream is {@link TcpConnection}'s.
 *
 * <p>A frame always starts at index 0 of {@link #buffer()} and is read in place from there. Each
 * read also takes what has arrived of the next frames, up to {@link #READ_AHEAD} bytes, so that
 * a frame costs one system call rather than two (its 4-byte prefix, then the rest); those bytes
 * are moved to the front when the next frame is asked for. A non-blocking read that finds nothing
 * ({@link #INCOMPLETE}) keeps what came before it: the next call resumes inside the frame.
 */
final class StreamFramer {

    /** A STUN header and the largest body its 16-bit length can give; ChannelData, padded, is shorter. */
    static final int MAX_FRAME = Stun.HEADER_LENGTH + 0xFFFF;
    /**
     * The buffer starts at this size and grows to the largest frame seen (at most {@link #MAX_FRAME}):
     * STUN requests and audio fit, and thousands of idle connections stay cheap.
     */
    static final int FIRST_SIZE = 2048;
    /** What tells the kind and the length: ChannelData's whole header, the start of STUN's. */
    private static final int PREFIX = ChannelData.HEADER_LENGTH;
    /**
     * How far a read may reach beyond the frame in progress (from the buffer's start); it also
     * bounds the bytes moved to the front after each frame.
     */
    static final int READ_AHEAD = FIRST_SIZE;
    /** What {@link #next} returns when the stream is not STUN/ChannelData framing. */
    static final int NOT_FRAMING = -1;
    /** What {@link #next} returns when a non-blocking source has no more bytes now, inside a frame or before one. */
    static final int INCOMPLETE = -2;

    private byte[] frame = new byte[FIRST_SIZE];
    private ByteBuffer buffer = ByteBuffer.wrap(frame);
    /** Bytes in the buffer: the current frame's read so far, then any of the next frames read with them. */
    private int filled;
    /** The current frame's length once its prefix is in; 0 before. */
    private int length;
    /** The length of the frame handed out last, at the front of the buffer until the next call. */
    private int handedOut;

    /** Where the bytes come from: a non-blocking connection, which may have none at the moment. */
    interface Source {
        /**
         * Reads into {@code into}, from its position up to its limit, advancing the position; returns
         * how many bytes, 0 when none are there now, -1 at the end of the stream.
         */
        int read(ByteBuffer into) throws IOException;
    }

    /**
     * Reads the next frame into {@link #buffer()}; returns its length, {@link #NOT_FRAMING} when the
     * stream is not STUN/ChannelData framing (the first two bits of a frame are neither 00 nor 01),
     * after which it cannot be resynchronised, or {@link #INCOMPLETE} when the source has no more
     * bytes now and no whole frame is buffered.
     *
     * @throws EOFException when the stream ends, between two frames or inside one
     */
    int next(Source in) throws IOException {
        if (handedOut > 0) {
            filled -= handedOut;
            System.arraycopy(frame, handedOut, frame, 0, filled);
            handedOut = 0;
        }
        if (!fill(in, PREFIX)) {
            return INCOMPLETE;
        }
        if (length == 0) {
            int declared = frameLength(frame);
            if (declared < 0) {
                return NOT_FRAMING;
            }
            if (declared > frame.length) {
                frame = Arrays.copyOf(frame, Math.min(MAX_FRAME, Math.max(declared, 2 * frame.length)));
                buffer = ByteBuffer.wrap(frame);
            }
            length = declared;
        }
        if (!fill(in, length)) {
            return INCOMPLETE;
        }
        int complete = length;
        handedOut = complete;
        length = 0;
        buffer.clear();
        return complete;
    }

    /** The last frame read, from index 0; its position and limit are the caller's to change. */
    ByteBuffer buffer() {
        return buffer;
    }

    /** How many bytes the buffer holds now: it grows with the largest frame. */
    int capacity() {
        return frame.length;
    }

    /**
     * The length of the whole frame that starts with {@code prefix} (its first 4 bytes at least),
     * padding included; -1 when it is neither STUN nor ChannelData.
     */
    static int frameLength(byte[] prefix) {
        int declared = (prefix[2] & 0xFF) << 8 | prefix[3] & 0xFF;
        if (ChannelData.startsChannelData(prefix[0])) {
            return ChannelData.HEADER_LENGTH + Stun.padded(declared);
        }
        if ((prefix[0] & 0xC0) == 0) {
            return Stun.HEADER_LENGTH + declared;
        }
        return -1;
    }

    /** Reads until the buffer holds {@code upTo} bytes; false when the source has none now. */
    private boolean fill(Source in, int upTo) throws IOException {
        while (filled < upTo) {
            buffer.limit(Math.min(frame.length, Math.max(upTo, READ_AHEAD))).position(filled);
            int n = in.read(buffer);
            if (n < 0) {
                throw new EOFException(filled == 0 ? "end of stream" : "end of stream inside a frame");
            }
            if (n == 0) {
                return false;
            }
            filled += n;
        }
        return true;
    }
}
