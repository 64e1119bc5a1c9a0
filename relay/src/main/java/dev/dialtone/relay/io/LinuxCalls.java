package dev.dialtone.relay.io;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the relay's own Linux system calls ({@link RecvmmsgReader}, {@link UringSender}) need from
 * the JDK, found once: 64-bit Linux, native access for the FFM API (the jar's manifest grants
 * {@code Enable-Native-Access}), a JDK channel's socket descriptor from {@code sun.nio.ch.SelChImpl}
 * (exported by the manifest's {@code Add-Exports}: the JDK has no public way to it), and errno.
 *
 * <p>Reading a descriptor behind its channel's back is safe only because the relay uses a socket
 * on the thread of the selector it is registered with, between two of that selector's selects: the
 * JDK does not close the descriptor of a registered channel until the key is deregistered, which
 * that selector only does in a later select on the same thread.
 */
final class LinuxCalls {

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int MSG_DONTWAIT = 0x40;

    private static final MethodHandle FD;
    private static final VarHandle ERRNO;
    private static final String UNAVAILABLE;

    static {
        MethodHandle fd = null;
        VarHandle errno = null;
        String unavailable = null;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
            unavailable = "64-bit Linux only, this is " + os + "/" + arch;
        } else if (!LinuxCalls.class.getModule().isNativeAccessEnabled()) {
            unavailable = "native access is not enabled: run with --enable-native-access=ALL-UNNAMED";
        } else {
            try {
                Class<?> selectable = Class.forName("sun.nio.ch.SelChImpl");
                fd = MethodHandles.lookup().findVirtual(selectable, "getFDVal", MethodType.methodType(int.class))
                        .asType(MethodType.methodType(int.class, DatagramChannel.class));
                errno = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
            } catch (ReflectiveOperationException | IllegalAccessError | IllegalArgumentException e) {
                unavailable = "the JDK's socket descriptor is not exported to the relay: run with "
                        + "--add-exports java.base/sun.nio.ch=ALL-UNNAMED (" + e + ")";
            }
        }
        FD = fd;
        ERRNO = errno;
        UNAVAILABLE = unavailable;
    }

    private LinuxCalls() {
    }

    /** Null when the calls can be made here, else why not. */
    static String unavailableBecause() {
        return UNAVAILABLE;
    }

    /** A libc function; {@code captureErrno} adds errno capture, read with {@link #errno}. */
    static MethodHandle function(String name, FunctionDescriptor descriptor, boolean captureErrno,
                                 Linker.Option... more) {
        Linker linker = Linker.nativeLinker();
        Linker.Option[] options = more;
        if (captureErrno) {
            options = Arrays.copyOf(more, more.length + 1);
            options[more.length] = Linker.Option.captureCallState("errno");
        }
        return linker.downcallHandle(linker.defaultLookup().findOrThrow(name), descriptor, options);
    }

    /** Memory for the errno a call captures. */
    static MemoryLayout errnoLayout() {
        return Linker.Option.captureStateLayout();
    }

    static int errno(MemorySegment captured) {
        return (int) ERRNO.get(captured, 0L);
    }

    /** The socket descriptor of an open channel registered with the calling loop's selector. */
    static int descriptor(DatagramChannel socket) {
        try {
            return (int) FD.invokeExact(socket);
        } catch (Throwable e) {
            throw new IllegalStateException("the socket descriptor could not be read", e);
        }
    }
}
