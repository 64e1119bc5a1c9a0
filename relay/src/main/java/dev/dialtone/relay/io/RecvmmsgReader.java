package dev.dialtone.relay.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Locale;

/**
 * Linux's {@code recvmmsg(2)} on the socket of a JDK {@link DatagramChannel}: every datagram
 * waiting, up to a batch, in one system call, where the JDK's receive makes one call per datagram
 * and one more to learn that the queue is empty.
 *
 * <p>The JDK has neither a batched receive nor a public way to a channel's descriptor, so this is
 * the one place that works around that: the descriptor comes from {@code sun.nio.ch.SelChImpl}
 * (exported to the relay by {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}, which the jar's
 * manifest carries as {@code Add-Exports}) and the call goes through the FFM API (native access,
 * the manifest's {@code Enable-Native-Access}). Without either, {@link DatagramReader#best()}
 * falls back to the JDK's receive.
 *
 * <p>Reading a descriptor behind its channel's back is safe only because the relay reads a socket
 * on the thread of the selector it is registered with, inside that selector's select: the JDK does
 * not close the descriptor of a registered channel until the key is deregistered, which that
 * selector only does in a later select on the same thread. A closed channel is refused up front,
 * as the JDK's receive would.
 */
public final class RecvmmsgReader implements DatagramReader {

    /** Datagrams per call: beyond this the saving of a call per datagram is already spent. */
    static final int BATCH = 16;

    private static final int MSG_DONTWAIT = 0x40;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
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
    private static final MethodHandle FD;
    private static final VarHandle ERRNO;
    private static final String UNAVAILABLE;

    static {
        MethodHandle recvmmsg = null;
        MethodHandle malloc = null;
        MethodHandle free = null;
        MethodHandle fd = null;
        VarHandle errno = null;
        String unavailable = null;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
            unavailable = "recvmmsg is read on 64-bit Linux only, this is " + os + "/" + arch;
        } else if (!RecvmmsgReader.class.getModule().isNativeAccessEnabled()) {
            unavailable = "native access is not enabled: run with --enable-native-access=ALL-UNNAMED";
        } else {
            try {
                Class<?> selectable = Class.forName("sun.nio.ch.SelChImpl");
                fd = MethodHandles.lookup().findVirtual(selectable, "getFDVal", MethodType.methodType(int.class))
                        .asType(MethodType.methodType(int.class, DatagramChannel.class));
                Linker linker = Linker.nativeLinker();
                Linker.Option errnoCapture = Linker.Option.captureCallState("errno");
                recvmmsg = linker.downcallHandle(linker.defaultLookup().findOrThrow("recvmmsg"),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), errnoCapture);
                malloc = linker.downcallHandle(linker.defaultLookup().findOrThrow("malloc"),
                        FunctionDescriptor.of(ADDRESS, JAVA_LONG));
                free = linker.downcallHandle(linker.defaultLookup().findOrThrow("free"),
                        FunctionDescriptor.ofVoid(ADDRESS));
                errno = Linker.Option.captureStateLayout()
                        .varHandle(MemoryLayout.PathElement.groupElement("errno"));
            } catch (ReflectiveOperationException | IllegalAccessError | IllegalArgumentException e) {
                unavailable = "the JDK's socket descriptor is not exported to the relay: run with "
                        + "--add-exports java.base/sun.nio.ch=ALL-UNNAMED (" + e + ")";
            }
        }
        RECVMMSG = recvmmsg;
        MALLOC = malloc;
        FREE = free;
        FD = fd;
        ERRNO = errno;
        UNAVAILABLE = unavailable;
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
        try {
            int fd = (int) FD.invokeExact(socket);
            do {
                read = (int) RECVMMSG.invokeExact(headers.errno, fd, headers.messages, batch.capacity(), MSG_DONTWAIT,
                        MemorySegment.NULL);
            } while (read < 0 && errno(headers) == EINTR);
        } catch (Throwable e) {
            throw new IllegalStateException("recvmmsg could not be called", e);
        }
        if (read < 0) {
            int errno = errno(headers);
            if (errno != EAGAIN) {
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
        return (int) ERRNO.get(headers.errno, 0L);
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
            this.errno = arena.allocate(Linker.Option.captureStateLayout());
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
