package dev.dialtone.relay.io;

/**
 * What became of each datagram given to a {@link DatagramSender}, told on the sender's thread when
 * the kernel took or refused it: at once, or at the flush of a batching sender.
 *
 * @param <T> what the caller gave with each datagram to know it again (the relay: its allocation)
 */
public interface SendOutcomes<T> {

    /** The kernel took the datagram's {@code bytes}. */
    void sent(T tag, int bytes);

    /** The kernel refused it: a full send buffer, an unreachable network, port 0. */
    void refused(T tag, int bytes, String why);
}
