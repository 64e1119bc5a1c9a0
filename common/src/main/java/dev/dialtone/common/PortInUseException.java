package dev.dialtone.common;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;

/**
 * A listener could not bind because its port is taken. The JDK and Netty only say "Address
 * already in use"; this says which setting, which address and which service, so the operator
 * knows what to change.
 */
public final class PortInUseException extends IOException {

    /** Opens one listener; may throw what the JDK or Netty throw when the port is taken. */
    @FunctionalInterface
    public interface Binding<T> {
        T bind() throws Exception;
    }

    private PortInUseException(String key, InetSocketAddress address, String service, Throwable cause) {
        super(key + " = " + address.getPort() + ": " + address.getHostString() + ":" + address.getPort()
                + " is already in use (" + service + " wanted it); stop what holds the port or set " + key
                + " to a free one", cause);
    }

    /**
     * Runs {@code binding}; a taken port comes out as a {@code PortInUseException} naming
     * {@code key}, {@code address} and {@code service}, other failures as they were.
     */
    public static <T> T bind(String key, InetSocketAddress address, String service, Binding<T> binding)
            throws IOException {
        try {
            return binding.bind();
        } catch (Exception e) {
            if (addressInUse(e)) {
                throw new PortInUseException(key, address, service, e);
            }
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(service + " could not start on " + address + ": " + e, e);
        }
    }

    /** Netty's native transport reports EADDRINUSE as its own IOException, not a BindException. */
    private static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }
}
