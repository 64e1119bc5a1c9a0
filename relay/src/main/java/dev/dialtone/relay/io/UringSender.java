package dev.dialtone.relay.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * Datagrams from any of a loop's sockets sent in one system call per {@link #flush()}: an
 * {@code io_uring} (Linux 5.6+) whose submission queue takes one {@code IORING_OP_SENDMSG} per
 * datagram, with {@code MSG_DONTWAIT}, so that each completes or fails at once (a full socket
 * buffer fails with {@code EAGAIN}, as the JDK's non-blocking send would drop it) and
 * {@code io_uring_enter} returns with all of them done. On this kernel a send's cost is mostly the
 * system call per datagram, not the socket it leaves from: 32 sends from 20 sockets in one enter
 * cost what {@code sendmmsg} of 32 from one socket does, half of a {@code sendto} each
 * ({@code bench/relay/sendbatch.c}, bench/README.md).
 *
 * <p>A flush of one datagram, what a quiet loop has after most reads, is a plain {@code sendmsg}
 * from the same message header instead: the ring's round trip pays only from two datagrams on.
 *
 * <p>The queue holds the addresses of the callers' buffers, not copies: they must stay unchanged
 * until the flush, which the loop makes after each batch it read, before it reads into them again.
 * Heap buffers have no stable address and are sent at once, after what was queued.
 *
 * <p>The ring is set up by hand through the FFM API (no liburing on a fresh machine): the
 * submission ring's index array maps slot i to entry i once, so queuing writes an entry and
 * publishing is one release store of the tail.
 */
public final class UringSender<T> implements DatagramSender<T> {

    /** Datagrams queued before a flush is forced; the loop flushes after each batch of 32 reads anyway. */
    static final int CAPACITY = 64;

    private static final long SYS_IO_URING_SETUP = 425; // the same number on x86-64 and aarch64
    private static final long SYS_IO_URING_ENTER = 426;
    private static final long IORING_OFF_SQ_RING = 0;
    private static final long IORING_OFF_CQ_RING = 0x8000000L;
    private static final long IORING_OFF_SQES = 0x10000000L;
    private static final int IORING_FEAT_SINGLE_MMAP = 1;
    private static final int IORING_ENTER_GETEVENTS = 1;
    private static final byte IORING_OP_SENDMSG = 9;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_SHARED_POPULATE = 0x1 | 0x8000;
    private static final int SQE_SIZE = 64;
    private static final int CQE_SIZE = 16;
    private static final int MSGHDR_SIZE = 56;
    private static final int IOVEC_SIZE = 16;
    private static final int SOCKADDR_STRIDE = 32;
    private static final int RECENT = 64;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final ValueLayout.OfShort NET_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    private static final VarHandle RING_INT = JAVA_INT.varHandle();

    private static final MethodHandle SYSCALL_3;
    private static final MethodHandle SYSCALL_7;
    private static final MethodHandle SENDMSG;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle CLOSE;
    private static final String UNAVAILABLE;

    static {
        MethodHandle syscall3 = null;
        MethodHandle syscall7 = null;
        MethodHandle sendmsg = null;
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle close = null;
        String unavailable = LinuxCalls.unavailableBecause();
        if (unavailable == null) {
            // syscall(2) is variadic and reads every argument as a long: pass them all as longs
            Linker.Option variadic = Linker.Option.firstVariadicArg(1);
            syscall3 = LinuxCalls.function("syscall",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), true, variadic);
            syscall7 = LinuxCalls.function("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), true, variadic);
            // the message header's address as a long: no segment to make per call
            sendmsg = LinuxCalls.function("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), true);
            mmap = LinuxCalls.function("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT,
                    JAVA_INT, JAVA_LONG), true);
            munmap = LinuxCalls.function("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), false);
            close = LinuxCalls.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
        }
        SYSCALL_3 = syscall3;
        SYSCALL_7 = syscall7;
        SENDMSG = sendmsg;
        MMAP = mmap;
        MUNMAP = munmap;
        CLOSE = close;
        UNAVAILABLE = unavailable;
    }

    // shared: made on the starting thread, used and closed on the loop's
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(LinuxCalls.errnoLayout());
    private final int ring;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment entries;
    private final long sqTailOffset;
    private final int sqMask;
    private final long cqHeadOffset;
    private final long cqTailOffset;
    private final int cqMask;
    private final long cqesOffset;
    private final MemorySegment messages = arena.allocate((long) CAPACITY * MSGHDR_SIZE, 8);
    private final MemorySegment vectors = arena.allocate((long) CAPACITY * IOVEC_SIZE, 8);
    private final MemorySegment names = arena.allocate((long) CAPACITY * SOCKADDR_STRIDE, 8);
    /** Sockaddrs of recent destinations, by identity: a relay sends to the same peers over and over. */
    private final InetSocketAddress[] recent = new InetSocketAddress[RECENT];
    private final int[] recentLengths = new int[RECENT];
    private final MemorySegment recentNames = arena.allocate((long) RECENT * SOCKADDR_STRIDE, 8);
    private final SendOutcomes<T> outcomes;
    private final ImmediateSender<T> immediate;
    /** The tag and length of each queued datagram, by its queue index (an entry's user_data). */
    private final Object[] tags = new Object[CAPACITY];
    private final int[] lengths = new int[CAPACITY];
    private final int[] descriptors = new int[CAPACITY];
    private int sqTail;
    private int queued;
    /** True once the ring can no longer be used: every datagram then goes through the JDK's send. */
    private boolean broken;

    static boolean available() {
        return UNAVAILABLE == null;
    }

    static String unavailableBecause() {
        return UNAVAILABLE;
    }

    /** A ring of its own; fails where io_uring is refused (an old kernel, a seccomp filter, a sysctl). */
    UringSender(SendOutcomes<T> outcomes) throws IOException {
        this.outcomes = outcomes;
        this.immediate = new ImmediateSender<>(outcomes, "a heap buffer");
        if (!available()) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        MemorySegment params = arena.allocate(120, 8); // struct io_uring_params, zeroed
        long fd;
        try {
            fd = (long) SYSCALL_3.invokeExact(errno, SYS_IO_URING_SETUP, (long) CAPACITY, params.address());
        } catch (Throwable e) {
            throw new IllegalStateException("io_uring_setup could not be called", e);
        }
        if (fd < 0) {
            int cause = LinuxCalls.errno(errno);
            arena.close();
            throw new IOException("io_uring is refused here (io_uring_setup: errno " + cause + ")");
        }
        this.ring = (int) fd;
        int sqEntries = params.get(JAVA_INT, 0);
        int cqEntries = params.get(JAVA_INT, 4);
        boolean singleMap = (params.get(JAVA_INT, 20) & IORING_FEAT_SINGLE_MMAP) != 0;
        long sq = 40; // struct io_sqring_offsets: head, tail, ring_mask, ring_entries, flags, dropped, array
        long cq = 80; // struct io_cqring_offsets: head, tail, ring_mask, ring_entries, overflow, cqes
        long sqSize = params.get(JAVA_INT, sq + 24) + (long) sqEntries * 4;
        long cqSize = params.get(JAVA_INT, cq + 20) + (long) cqEntries * CQE_SIZE;
        try {
            this.sqRing = map(singleMap ? Math.max(sqSize, cqSize) : sqSize, IORING_OFF_SQ_RING);
            this.cqRing = singleMap ? sqRing : map(cqSize, IORING_OFF_CQ_RING);
            this.entries = map((long) sqEntries * SQE_SIZE, IORING_OFF_SQES);
        } catch (IOException e) {
            closeDescriptor(ring); // what was mapped goes with it
            arena.close();
            throw e;
        }
        this.sqTailOffset = params.get(JAVA_INT, sq + 4);
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, sq + 8));
        this.cqHeadOffset = params.get(JAVA_INT, cq);
        this.cqTailOffset = params.get(JAVA_INT, cq + 4);
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, cq + 8));
        this.cqesOffset = params.get(JAVA_INT, cq + 20);
        this.sqTail = sqRing.get(JAVA_INT, sqTailOffset);
        long array = params.get(JAVA_INT, sq + 24);
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, array + i * 4L, i);
        }
        for (int i = 0; i < CAPACITY; i++) {
            long message = (long) i * MSGHDR_SIZE;
            messages.set(JAVA_LONG, message, names.address() + (long) i * SOCKADDR_STRIDE);
            messages.set(JAVA_LONG, message + 16, vectors.address() + (long) i * IOVEC_SIZE);
            messages.set(JAVA_LONG, message + 24, 1); // msg_iovlen
        }
    }

    @Override
    public void send(DatagramChannel socket, ByteBuffer datagram, InetSocketAddress to, T tag)
            throws ClosedChannelException {
        if (!socket.isOpen()) {
            throw new ClosedChannelException();
        }
        if (!datagram.isDirect() || broken) {
            flush();
            immediate.send(socket, datagram, to, tag);
            return;
        }
        if (queued == CAPACITY) {
            flush();
        }
        int i = queued++;
        tags[i] = tag;
        lengths[i] = datagram.remaining();
        MemorySegment payload = MemorySegment.ofBuffer(datagram);
        vectors.set(JAVA_LONG, (long) i * IOVEC_SIZE, payload.address());
        vectors.set(JAVA_LONG, (long) i * IOVEC_SIZE + 8, payload.byteSize());
        messages.set(JAVA_INT, (long) i * MSGHDR_SIZE + 8, writeSockaddr((long) i * SOCKADDR_STRIDE, to));
        long entry = (long) ((sqTail + i) & sqMask) * SQE_SIZE;
        entries.set(JAVA_BYTE, entry, IORING_OP_SENDMSG);
        descriptors[i] = LinuxCalls.descriptor(socket);
        entries.set(JAVA_INT, entry + 4, descriptors[i]);
        entries.set(JAVA_LONG, entry + 16, messages.address() + (long) i * MSGHDR_SIZE);
        entries.set(JAVA_INT, entry + 24, 1);
        entries.set(JAVA_INT, entry + 28, LinuxCalls.MSG_DONTWAIT);
        entries.set(JAVA_LONG, entry + 32, i);
        datagram.position(datagram.limit());
    }

    @Override
    public void flush() {
        int submitted = queued;
        if (submitted == 0) {
            return;
        }
        queued = 0;
        if (submitted == 1) {
            sendAlone(); // a quiet loop's usual batch: one sendmsg costs less than the ring's round trip
            return;
        }
        sqTail += submitted;
        RING_INT.setRelease(sqRing, sqTailOffset, sqTail);
        long entered;
        do {
            try {
                entered = (long) SYSCALL_7.invokeExact(errno, SYS_IO_URING_ENTER, (long) ring, (long) submitted,
                        (long) submitted, (long) IORING_ENTER_GETEVENTS, 0L, 0L);
            } catch (Throwable e) {
                throw new IllegalStateException("io_uring_enter could not be called", e);
            }
        } while (entered < 0 && LinuxCalls.errno(errno) == LinuxCalls.EINTR);
        if (entered < submitted) {
            // the kernel took fewer than were published and would take the rest, stale, at the next
            // enter: never enter again, and count what may not have been sent as refused
            broken = true;
            String why = "io_uring_enter failed, errno " + (entered < 0 ? LinuxCalls.errno(errno) : 0);
            for (int i = 0; i < submitted; i++) {
                outcomes.refused(tag(i), lengths[i], why);
                tags[i] = null;
            }
            return;
        }
        int head = cqRing.get(JAVA_INT, cqHeadOffset);
        int tail = (int) RING_INT.getAcquire(cqRing, cqTailOffset);
        for (; head != tail; head++) {
            long cqe = cqesOffset + (long) (head & cqMask) * CQE_SIZE;
            int i = (int) cqRing.get(JAVA_LONG, cqe);
            int result = cqRing.get(JAVA_INT, cqe + 8);
            if (result >= 0) {
                outcomes.sent(tag(i), lengths[i]);
            } else {
                outcomes.refused(tag(i), lengths[i], refusal(-result));
            }
            tags[i] = null;
        }
        RING_INT.setRelease(cqRing, cqHeadOffset, head);
    }

    /** Sends the one queued datagram with sendmsg, from the message header the ring would have used. */
    private void sendAlone() {
        long result;
        do {
            try {
                result = (long) SENDMSG.invokeExact(errno, descriptors[0], messages.address(), LinuxCalls.MSG_DONTWAIT);
            } catch (Throwable e) {
                throw new IllegalStateException("sendmsg could not be called", e);
            }
        } while (result < 0 && LinuxCalls.errno(errno) == LinuxCalls.EINTR);
        if (result >= 0) {
            outcomes.sent(tag(0), lengths[0]);
        } else {
            outcomes.refused(tag(0), lengths[0], refusal(LinuxCalls.errno(errno)));
        }
        tags[0] = null;
    }

    /** Why the kernel refused a send, from its errno, as the JDK's non-blocking send would say it. */
    private static String refusal(int errno) {
        return errno == LinuxCalls.EAGAIN ? "send buffer full" : "errno " + errno;
    }

    @SuppressWarnings("unchecked")
    private T tag(int i) {
        return (T) tags[i];
    }

    /** Writes {@code to} as a sockaddr at {@code offset} of the names; returns its length. */
    private int writeSockaddr(long offset, InetSocketAddress to) {
        int slot = System.identityHashCode(to) & (RECENT - 1);
        if (recent[slot] != to) {
            recentLengths[slot] = encode(recentNames, (long) slot * SOCKADDR_STRIDE, to);
            recent[slot] = to;
        }
        MemorySegment.copy(recentNames, (long) slot * SOCKADDR_STRIDE, names, offset, SOCKADDR_STRIDE);
        return recentLengths[slot];
    }

    /** {@code to} as a sockaddr_in or sockaddr_in6 at {@code offset} of {@code into}; returns its length. */
    private static int encode(MemorySegment into, long offset, InetSocketAddress to) {
        InetAddress address = to.getAddress();
        into.set(NET_SHORT, offset + 2, (short) to.getPort());
        if (address instanceof Inet4Address) {
            into.set(JAVA_SHORT, offset, (short) AF_INET);
            MemorySegment.copy(address.getAddress(), 0, into, JAVA_BYTE, offset + 4, 4);
            into.set(JAVA_LONG, offset + 8, 0);
            return 16;
        }
        into.set(JAVA_SHORT, offset, (short) AF_INET6);
        into.set(JAVA_INT, offset + 4, 0); // flow info
        MemorySegment.copy(address.getAddress(), 0, into, JAVA_BYTE, offset + 8, 16);
        into.set(JAVA_INT, offset + 24, ((Inet6Address) address).getScopeId());
        return 28;
    }

    @Override
    public String describe() {
        return "io_uring, the datagrams a loop sends after each batch it read in one system call";
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        flush();
        broken = true;
        try {
            if (cqRing != sqRing) {
                int ignored = (int) MUNMAP.invokeExact(cqRing, cqRing.byteSize());
            }
            int ignored = (int) MUNMAP.invokeExact(sqRing, sqRing.byteSize());
            ignored = (int) MUNMAP.invokeExact(entries, entries.byteSize());
        } catch (Throwable e) {
            throw new IllegalStateException("the ring could not be released", e);
        } finally {
            closeDescriptor(ring);
            arena.close();
        }
    }

    private static void closeDescriptor(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            throw new IllegalStateException("close could not be called", e);
        }
    }

    private MemorySegment map(long size, long offset) throws IOException {
        MemorySegment mapped;
        try {
            mapped = (MemorySegment) MMAP.invokeExact(errno, MemorySegment.NULL, size, PROT_READ_WRITE,
                    MAP_SHARED_POPULATE, ring, offset);
        } catch (Throwable e) {
            throw new IllegalStateException("mmap could not be called", e);
        }
        if (mapped.address() == -1L) {
            throw new IOException("io_uring ring could not be mapped: errno " + LinuxCalls.errno(errno));
        }
        return mapped.reinterpret(size);
    }
}
