package dev.dialtone.common;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;

/**
 * A listener could not open: its port is taken, or its address is not one of this machine's. The
 * JDK and Netty only say "Address already in use" or "Cannot assign requested address"; this
 * says which setting, which address and which service, so the operator knows what to change.
 */
public final class ListenException extends IOException {

    /** Opens one listener; may throw what the JDK or Netty throw when it cannot. */
    @FunctionalInterface
    public interface Binding<T> {
        T bind() throws Exception;
    }

    private ListenException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Runs {@code binding}; a taken port or a foreign address comes out as a {@code ListenException}
     * naming the setting ({@code portKey} or {@code hostKey}), {@code address} and {@code service},
     * other failures as they were.
     */
    public static <T> T bind(String hostKey, String portKey, InetSocketAddress address, String service,
                             Binding<T> binding) throws IOException {
        try {
            return binding.bind();
        } catch (Exception e) {
            String where = address.getHostString() + ":" + address.getPort();
            if (saying(e, "Address already in use")) {
                throw new ListenException(portKey + " = " + address.getPort() + ": " + where + " is already in use ("
                        + service + " wanted it); stop what holds the port or set " + portKey + " to a free one", e);
            }
            if (address.isUnresolved() || saying(e, "Cannot assign requested address")) {
                throw new ListenException(hostKey + " = " + address.getHostString() + ": not an address of this machine ("
                        + service + " wanted " + where + "); give one of its addresses, 127.0.0.1 or 0.0.0.0", e);
            }
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(service + " could not start on " + where + ": " + e, e);
        }
    }

    /** Netty's native transport reports errno as its own IOException, not a BindException. */
    private static boolean saying(Throwable e, String reason) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(reason)) {
                return true;
            }
        }
        return false;
    }
}
