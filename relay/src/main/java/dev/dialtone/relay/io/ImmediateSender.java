package dev.dialtone.relay.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/** The JDK's send: one system call per datagram, at once, anywhere Java runs. Stateless. */
public final class ImmediateSender<T> implements DatagramSender<T> {

    private final SendOutcomes<T> outcomes;
    private final String why;

    /** @param why why the batching sender is not used, for the start-up log */
    public ImmediateSender(SendOutcomes<T> outcomes, String why) {
        this.outcomes = outcomes;
        this.why = why;
    }

    @Override
    public void send(DatagramChannel socket, ByteBuffer datagram, InetSocketAddress to, T tag)
            throws ClosedChannelException {
        int bytes = datagram.remaining();
        try {
            // non-blocking: 0 for a datagram that did not fit in the socket's send buffer
            if (socket.send(datagram, to) == 0 && bytes > 0) {
                outcomes.refused(tag, bytes, "send buffer full");
            } else {
                outcomes.sent(tag, bytes);
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            outcomes.refused(tag, bytes, e.toString());
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public String describe() {
        return "one datagram per system call (java.nio; " + why + ")";
    }

    @Override
    public void close() {
    }
}
