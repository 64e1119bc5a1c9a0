package dev.dialtone.relay.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * Linux's {@code recvmmsg(2)} on the socket of a JDK {@link DatagramChannel}: every datagram
 * waiting, up to a batch, in one system call, where the JDK's receive makes one call per datagram
 * and one more to learn that the queue is empty.
 *
 * <p>The JDK has no batched receive: the call goes through the FFM API on the channel's descriptor,
 * as {@link LinuxCalls} finds them. Where it cannot, {@link DatagramReader#best()} falls back to
 * the JDK's receive. A closed channel is refused up front, as the JDK's receive would.
 */
public final class RecvmmsgReader implements DatagramReader {

    /** Datagrams per call: beyond this the saving of a call per datagram is already spent. */
    static final int BATCH = 16;

    private static final int MMSGHDR_SIZE = 64;
    private static final int IOVEC_SIZE = 16;
    private static final int SOCKADDR_STRIDE = 32;
    // struct mmsghdr on LP64 Linux: struct msghdr (56 bytes) then unsigned int msg_len
    private static final long MSG_NAME = 0;
    private static final long MSG_NAMELEN = 8;
    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_LEN = 56;

    private static final MethodHandle RECVMMSG;
    private static final MethodHandle MALLOC;
    private static final MethodHandle FREE;
    private static final String UNAVAILABLE = LinuxCalls.unavailableBecause();

    static {
        boolean usable = UNAVAILABLE == null;
        RECVMMSG = usable ? LinuxCalls.function("recvmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), true) : null;
        MALLOC = usable ? LinuxCalls.function("malloc", FunctionDescriptor.of(ADDRESS, JAVA_LONG), false) : null;
        FREE = usable ? LinuxCalls.function("free", FunctionDescriptor.ofVoid(ADDRESS), false) : null;
    }

    static boolean available() {
        return UNAVAILABLE == null;
    }

    static String unavailableBecause() {
        return UNAVAILABLE;
    }

    RecvmmsgReader() {
        if (!available()) {
            throw new IllegalStateException(UNAVAILABLE);
        }
    }

    @Override
    public int read(DatagramChannel socket, DatagramBatch batch) throws IOException {
        if (!socket.isOpen()) {
            throw new ClosedChannelException();
        }
        Headers headers = (Headers) batch.readerState();
        int read;
        int fd = LinuxCalls.descriptor(socket);
        try {
            do {
                read = (int) RECVMMSG.invokeExact(headers.errno, fd, headers.messages, batch.capacity(), LinuxCalls.MSG_DONTWAIT,
                        MemorySegment.NULL);
            } while (read < 0 && errno(headers) == LinuxCalls.EINTR);
        } catch (Throwable e) {
            throw new IllegalStateException("recvmmsg could not be called", e);
        }
        if (read < 0) {
            int errno = errno(headers);
            if (errno != LinuxCalls.EAGAIN) {
                throw new IOException("recvmmsg failed, errno " + errno);
            }
            read = 0;
        }
        for (int i = 0; i < read; i++) {
            long message = (long) i * MMSGHDR_SIZE;
            int length = headers.messages.get(JAVA_INT, message + MSG_LEN);
            batch.set(i, length, headers.senders.decode(headers.names.asSlice((long) i * SOCKADDR_STRIDE, SOCKADDR_STRIDE)));
            // the kernel shortened this slot's address length to the sender's; only filled slots need it back
            headers.messages.set(JAVA_INT, message + MSG_NAMELEN, SenderAddresses.SOCKADDR_SIZE);
        }
        return read;
    }

    private static int errno(Headers headers) {
        return LinuxCalls.errno(headers.errno);
    }

    @Override
    public DatagramBatch newBatch(int headroom, int tailroom) {
        long size = BATCH * DatagramBatch.slotSize(headroom, tailroom);
        // malloc, not an arena: the kernel backs only the pages datagrams touch (an arena zeroes all 1 MB)
        MemorySegment payloads;
        try {
            MemorySegment allocated = (MemorySegment) MALLOC.invokeExact(size);
            if (allocated.equals(MemorySegment.NULL)) {
                throw new OutOfMemoryError("malloc of " + size + " bytes for received datagrams failed");
            }
            payloads = allocated.reinterpret(size, Arena.ofAuto(), RecvmmsgReader::free);
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("malloc could not be called", e);
        }
        DatagramBatch batch = new DatagramBatch(payloads, BATCH, headroom, tailroom);
        batch.readerState(new Headers(batch));
        return batch;
    }

    private static void free(MemorySegment memory) {
        try {
            FREE.invokeExact(memory);
        } catch (Throwable e) {
            throw new IllegalStateException("free could not be called", e);
        }
    }

    @Override
    public String describe() {
        return "recvmmsg, up to " + BATCH + " datagrams per system call";
    }

    /** The native headers recvmmsg fills for one batch, pointing at its slots; made once. */
    private static final class Headers {
        private final MemorySegment messages;
        private final MemorySegment names;
        private final MemorySegment errno;
        private final SenderAddresses senders = new SenderAddresses();

        Headers(DatagramBatch batch) {
            Arena arena = Arena.ofAuto();
            int capacity = batch.capacity();
            this.messages = arena.allocate((long) capacity * MMSGHDR_SIZE, 8);
            this.names = arena.allocate((long) capacity * SOCKADDR_STRIDE, 8);
            MemorySegment vectors = arena.allocate((long) capacity * IOVEC_SIZE, 8);
            this.errno = arena.allocate(LinuxCalls.errnoLayout());
            for (int i = 0; i < capacity; i++) {
                MemorySegment payload = batch.payload(i);
                vectors.set(ADDRESS, (long) i * IOVEC_SIZE, payload);
                vectors.set(JAVA_LONG, (long) i * IOVEC_SIZE + 8, payload.byteSize());
                long message = (long) i * MMSGHDR_SIZE;
                messages.set(ADDRESS, message + MSG_NAME, names.asSlice((long) i * SOCKADDR_STRIDE));
                messages.set(JAVA_INT, message + MSG_NAMELEN, SenderAddresses.SOCKADDR_SIZE);
                messages.set(ADDRESS, message + MSG_IOV, vectors.asSlice((long) i * IOVEC_SIZE));
                messages.set(JAVA_LONG, message + MSG_IOVLEN, 1);
            }
        }
    }
}
