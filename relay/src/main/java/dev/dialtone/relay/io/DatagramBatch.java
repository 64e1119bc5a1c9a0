package dev.dialtone.relay.io;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Datagrams read from one socket by one {@link DatagramReader} call, in slots that are reused
 * for every call: the loop that owns the batch handles them in place, then reads again.
 *
 * <p>Each slot is {@code headroom} free bytes, room for the largest datagram, and {@code tailroom}
 * free bytes, so that a relay can write a header before the payload and padding after it
 * without copying.
 */
public final class DatagramBatch {

    /** Largest UDP payload; no datagram is longer, so none is ever cut short. */
    public static final int MAX_DATAGRAM = 65_535;

    private final int headroom;
    private final long stride;
    private final MemorySegment memory;
    private final ByteBuffer[] packets;
    private final int[] lengths;
    private final InetSocketAddress[] senders;
    /** What the reader that made this batch keeps with it (recvmmsg's native headers); null for the JDK's. */
    private Object readerState;

    DatagramBatch(MemorySegment memory, int capacity, int headroom, int tailroom) {
        this.headroom = headroom;
        this.stride = slotSize(headroom, tailroom);
        this.memory = memory;
        this.packets = new ByteBuffer[capacity];
        this.lengths = new int[capacity];
        this.senders = new InetSocketAddress[capacity];
        for (int i = 0; i < capacity; i++) {
            packets[i] = memory.asSlice(i * stride, stride).asByteBuffer();
        }
    }

    static long slotSize(int headroom, int tailroom) {
        return headroom + MAX_DATAGRAM + tailroom;
    }

    /** Most datagrams one read can return. */
    public int capacity() {
        return packets.length;
    }

    /**
     * The whole slot of datagram {@code i}: its payload starts at {@link #headroom()}. Position and
     * limit are the caller's to change; every read resets them.
     */
    public ByteBuffer packet(int i) {
        return packets[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    public InetSocketAddress sender(int i) {
        return senders[i];
    }

    public int headroom() {
        return headroom;
    }

    /** Where a reader writes datagram {@code i}'s payload. */
    MemorySegment payload(int i) {
        return memory.asSlice(i * stride + headroom, MAX_DATAGRAM);
    }

    /** The writable view of slot {@code i}'s payload, for readers that take a ByteBuffer. */
    ByteBuffer payloadBuffer(int i) {
        return packets[i].clear().position(headroom).limit(headroom + MAX_DATAGRAM);
    }

    /** Records what a read put in slot {@code i}. */
    void set(int i, int length, InetSocketAddress sender) {
        lengths[i] = length;
        senders[i] = sender;
        packets[i].clear();
    }

    Object readerState() {
        return readerState;
    }

    void readerState(Object state) {
        this.readerState = state;
    }
}
