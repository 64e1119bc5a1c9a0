package dev.dialtone.relay.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

/** The JDK's receive: one datagram per call, anywhere Java runs. */
public final class NioDatagramReader implements DatagramReader {

    private final String why;

    /** @param why why the batched reader is not used, for the start-up log */
    public NioDatagramReader(String why) {
        this.why = why;
    }

    @Override
    public int read(DatagramChannel socket, DatagramBatch batch) throws IOException {
        var buffer = batch.payloadBuffer(0);
        InetSocketAddress sender = (InetSocketAddress) socket.receive(buffer);
        if (sender == null) {
            return 0;
        }
        batch.set(0, buffer.position() - batch.headroom(), sender);
        return 1;
    }

    @Override
    public DatagramBatch newBatch(int headroom, int tailroom) {
        long size = DatagramBatch.slotSize(headroom, tailroom);
        return new DatagramBatch(Arena.ofAuto().allocate(size, 8), 1, headroom, tailroom);
    }

    @Override
    public String describe() {
        return "one datagram per system call (java.nio; " + why + ")";
    }
}
