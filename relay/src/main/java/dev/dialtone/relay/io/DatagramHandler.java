package dev.dialtone.relay.io;

/** What a loop does with one datagram of a batch; it must not throw: one bad datagram costs only itself. */
@FunctionalInterface
public interface DatagramHandler {

    void handle(DatagramBatch batch, int i);
}
