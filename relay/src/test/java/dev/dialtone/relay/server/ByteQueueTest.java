package dev.dialtone.relay.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteQueueTest {

    /** Writes out up to {@code max} bytes from the head as the writer does, a contiguous piece at a time. */
    private static void drain(ByteQueue queue, int max, ByteArrayOutputStream out) {
        while (max > 0 && !queue.isEmpty()) {
            int n = queue.contiguous(max);
            out.write(queue.array(), queue.head(), n);
            queue.consumed(n);
            max -= n;
        }
    }

    @Test
    void bytesComeOutInOrderThroughWrapsAndGrowthAndNeverPastTheLimit() {
        Random random = new Random(11);
        int limit = 100_000;
        ByteQueue queue = new ByteQueue(limit);
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] frame = new byte[1 + random.nextInt(3000)];
            random.nextBytes(frame);
            int before = queue.size();
            if (queue.offer(ByteBuffer.wrap(frame))) {
                in.writeBytes(frame);
            } else {
                refused++;
                assertTrue(before + frame.length > limit, "refused only when it would not fit");
                assertEquals(before, queue.size(), "a refused frame takes nothing");
            }
            assertTrue(queue.size() <= limit && queue.capacity() <= limit);
            drain(queue, random.nextInt(2500), out); // less than comes in, on average: it fills
        }
        drain(queue, Integer.MAX_VALUE, out);
        assertTrue(refused > 0, "the test filled the queue");
        assertArrayEquals(in.toByteArray(), out.toByteArray());
    }

    @Test
    void holdsNothingUntilTheFirstFrameAndLetsAGrownArrayGoOnceDrained() {
        ByteQueue queue = new ByteQueue(256 * 1024);
        assertEquals(0, queue.capacity());
        queue.offer(ByteBuffer.wrap(new byte[100]));
        assertEquals(ByteQueue.FIRST_SIZE, queue.capacity());
        drain(queue, Integer.MAX_VALUE, new ByteArrayOutputStream());
        assertEquals(ByteQueue.FIRST_SIZE, queue.capacity(), "a small array is kept for the next frame");
        for (int i = 0; i < 100; i++) {
            queue.offer(ByteBuffer.wrap(new byte[1000]));
        }
        assertEquals(128 * 1024, queue.capacity());
        drain(queue, 50_000, new ByteArrayOutputStream());
        assertEquals(128 * 1024, queue.capacity(), "kept while bytes wait");
        drain(queue, Integer.MAX_VALUE, new ByteArrayOutputStream());
        assertEquals(0, queue.capacity(), "let go once drained");
    }

    @Test
    void growingWhileTheHeadIsBeingWrittenLeavesThoseBytesWhereTheWriterReadsThem() {
        ByteQueue queue = new ByteQueue(64 * 1024);
        byte[] first = new byte[1500];
        new Random(12).nextBytes(first);
        queue.offer(ByteBuffer.wrap(first));
        byte[] array = queue.array();
        int head = queue.head();
        int writing = queue.contiguous(16 * 1024);
        queue.offer(ByteBuffer.wrap(new byte[10_000])); // grows while the writer holds the old array
        assertArrayEquals(first, java.util.Arrays.copyOfRange(array, head, head + writing));
        queue.consumed(writing);
        assertEquals(10_000, queue.size());
        assertFalse(queue.isEmpty());
    }
}
