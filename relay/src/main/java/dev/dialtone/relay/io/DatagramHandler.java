package dev.dialtone.relay.io;

/** What a loop does with one datagram of a batch; it must not throw: one bad datagram costs only itself. */
@FunctionalInterface
public interface DatagramHandler {

    void handle(DatagramBatch batch, int i);

    /**
     * Every datagram of the batch was handled, and its slots are about to be read into again: what
     * still points into them (a batching sender's queue) must be done with them now.
     */
    default void batchDone() {
    }
}
