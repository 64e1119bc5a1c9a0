package dev.dialtone.relay.server;

import java.nio.ByteBuffer;

/**
 * Bytes waiting to be written to one stream client: a ring bounded in bytes. It holds nothing
 * until the first frame, grows by doubling as far as its bound, and lets a grown array go once it
 * is drained, so an idle connection keeps at most {@link #KEEP} bytes. Frames are self-delimiting
 * on a stream, so the queue needs no record of where one ends and the next begins.
 *
 * <p>Not thread-safe; its owner ({@link TcpConnection}) guards it.
 */
final class ByteQueue {

    /** The first array: a few answers or audio frames. */
    static final int FIRST_SIZE = 2048;
    /**
     * A drained array larger than this is let go: a burst of video must not pin its peak in memory
     * for the rest of the connection, while an audio stream keeps reusing its small array.
     */
    static final int KEEP = 4096;
    private static final byte[] NONE = new byte[0];

    private final int limit;
    private byte[] ring = NONE;
    private int head;
    private int size;

    /** @param limit how many bytes it holds at most */
    ByteQueue(int limit) {
        this.limit = limit;
    }

    /** Appends the bytes between {@code bytes}' position and limit; false (nothing taken) when they do not fit. */
    boolean offer(ByteBuffer bytes) {
        int n = bytes.remaining();
        if (n > limit - size) {
            return false;
        }
        if (size + n > ring.length) {
            grow(size + n);
        }
        int tail = wrap(head + size);
        int first = Math.min(n, ring.length - tail);
        bytes.get(ring, tail, first);
        bytes.get(ring, 0, n - first);
        size += n;
        return true;
    }

    /** How many more bytes it takes. */
    int room() {
        return limit - size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** How many bytes the queue's array takes now. */
    int capacity() {
        return ring.length;
    }

    /** The array the head is in; read it from {@link #head()} for {@link #contiguous} bytes. */
    byte[] array() {
        return ring;
    }

    int head() {
        return head;
    }

    /** How many bytes, at most {@code max}, follow the head without wrapping around. */
    int contiguous(int max) {
        return Math.min(max, Math.min(size, ring.length - head));
    }

    /** Drops {@code n} bytes at the head (they were written). */
    void consumed(int n) {
        size -= n;
        head = size == 0 ? 0 : wrap(head + n);
        if (size == 0 && ring.length > KEEP) {
            ring = NONE;
        }
    }

    /** Drops everything. */
    void clear() {
        size = 0;
        head = 0;
        ring = NONE;
    }

    private int wrap(int index) {
        return index >= ring.length ? index - ring.length : index;
    }

    /** Moves the bytes to the start of a larger array, which the head then points at. */
    private void grow(int needed) {
        int capacity = Math.max(FIRST_SIZE, ring.length);
        while (capacity < needed) {
            capacity *= 2;
        }
        byte[] larger = new byte[Math.min(capacity, limit)];
        int first = Math.min(size, ring.length - head);
        System.arraycopy(ring, head, larger, 0, first);
        System.arraycopy(ring, 0, larger, first, size - first);
        ring = larger;
        head = 0;
    }
}
