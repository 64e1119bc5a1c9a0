package dev.dialtone.relay.io;

import java.io.IOException;
import java.nio.channels.DatagramChannel;

/**
 * Reads what is waiting on a non-blocking UDP socket into a {@link DatagramBatch}. The JDK reads
 * one datagram per system call; on Linux {@link RecvmmsgReader} reads a batch. {@link #best()}
 * picks one at start, and nothing else in the relay knows which.
 */
public sealed interface DatagramReader permits NioDatagramReader, RecvmmsgReader {

    /** Fills {@code batch} with what is waiting, as many as it holds; 0 when none is. */
    int read(DatagramChannel socket, DatagramBatch batch) throws IOException;

    /** A batch this reader can fill, each slot with the given free bytes around the payload. */
    DatagramBatch newBatch(int headroom, int tailroom);

    /** For the start-up log: how this reader reads. */
    String describe();

    /**
     * Reads and hands over datagrams until the socket has none waiting or {@code limit} were
     * handled, so that one busy socket cannot starve the others of the loop; after each read's
     * datagrams, before the batch is read into again, tells the handler {@link DatagramHandler#batchDone()}.
     */
    default void drain(DatagramChannel socket, DatagramBatch batch, int limit, DatagramHandler handler)
            throws IOException {
        int handled = 0;
        while (handled < limit) {
            int read = read(socket, batch);
            try {
                for (int i = 0; i < read; i++) {
                    handler.handle(batch, i);
                }
            } finally {
                if (read > 0) {
                    handler.batchDone(); // also when a handler failed part way: the ones before it are done
                }
            }
            handled += read;
            if (read < batch.capacity()) {
                return; // the socket's queue is empty: a batch that was not filled says so without another call
            }
        }
    }

    /** recvmmsg where it can run (Linux, native access and the JDK's socket descriptor granted), else the JDK's. */
    static DatagramReader best() {
        return RecvmmsgReader.available() ? new RecvmmsgReader() : new NioDatagramReader(RecvmmsgReader.unavailableBecause());
    }
}
