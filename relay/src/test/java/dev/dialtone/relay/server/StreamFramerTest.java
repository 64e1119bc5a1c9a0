package dev.dialtone.relay.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stream framing alone, fed hostile byte streams: every split, bad first bytes, extremes, garbage. */
class StreamFramerTest {

    private static final int MAGIC_COOKIE = 0x2112A442;

    /** A STUN message with a body of {@code bodyLength} bytes (a multiple of 4 when well-formed). */
    private static byte[] stun(int type, int bodyLength, Random random) {
        byte[] message = new byte[20 + bodyLength];
        random.nextBytes(message);
        ByteBuffer.wrap(message).putShort(0, (short) type).putShort(2, (short) bodyLength).putInt(4, MAGIC_COOKIE);
        return message;
    }

    /** ChannelData with {@code dataLength} bytes of data, padded to 4 bytes as on a stream. */
    private static byte[] channelData(int channel, int dataLength, Random random) {
        byte[] frame = new byte[4 + ((dataLength + 3) & ~3)];
        random.nextBytes(frame);
        ByteBuffer.wrap(frame).putShort(0, (short) channel).putShort(2, (short) dataLength);
        return frame;
    }

    private static byte[] concat(List<byte[]> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** A source that hands out what {@code in} holds, as much per read as asked for. */
    private static StreamFramer.Source source(InputStream in) {
        return into -> {
            int n = in.read(into.array(), into.position(), into.remaining());
            if (n > 0) {
                into.position(into.position() + n);
            }
            return n;
        };
    }

    /** Reads frames until the stream ends; each as the bytes the framer handed out. */
    private static List<byte[]> readAll(StreamFramer framer, InputStream in) throws IOException {
        return readAll(framer, source(in));
    }

    private static List<byte[]> readAll(StreamFramer framer, StreamFramer.Source source) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        while (true) {
            int length;
            try {
                length = framer.next(source);
            } catch (EOFException end) {
                return frames;
            }
            if (length == StreamFramer.INCOMPLETE) {
                continue; // as the loop does: the selector reports the connection readable again
            }
            assertTrue(length >= 0, "a well-framed stream is never refused");
            byte[] frame = new byte[length];
            framer.buffer().get(0, frame);
            assertEquals(0, framer.buffer().position(), "the frame is handed out from index 0");
            frames.add(frame);
        }
    }

    private static List<byte[]> someFrames(Random random) {
        return List.of(stun(0x0003, 36, random), channelData(0x4000, 0, random), channelData(0x4001, 1, random),
                channelData(0x7FFF, 5, random), stun(0x0016, 0, random), channelData(0x4abc, 1200, random),
                stun(0x0001, 8, random));
    }

    @Test
    void framesBackToBackSplitAtEveryByteBoundaryComeOutWhole() throws Exception {
        Random random = new Random(1);
        List<byte[]> frames = someFrames(random);
        byte[] stream = concat(frames);
        for (int cut = 1; cut < stream.length; cut++) {
            byte[] first = Arrays.copyOfRange(stream, 0, cut);
            byte[] second = Arrays.copyOfRange(stream, cut, stream.length);
            List<byte[]> read = readAll(new StreamFramer(), new Pieces(List.of(first, second), Pause.NONE));
            assertFrames(frames, read, "cut at " + cut);
        }
    }

    @Test
    void oneByteAtATimeWithNothingBetweenEveryTwoResumesInsideTheFrame() throws Exception {
        Random random = new Random(2);
        List<byte[]> frames = someFrames(random);
        byte[] stream = concat(frames);
        List<byte[]> bytes = new ArrayList<>();
        for (byte b : stream) {
            bytes.add(new byte[] {b});
        }
        assertFrames(frames, readAll(new StreamFramer(), new Pieces(bytes, Pause.NOTHING_NOW)), "byte by byte");
    }

    @Test
    void randomSplitsOfManyRandomFrames() throws Exception {
        Random random = new Random(3);
        for (int round = 0; round < 200; round++) {
            List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                frames.add(random.nextBoolean()
                        ? stun(random.nextInt(0x4000), 4 * random.nextInt(400), random)
                        : channelData(0x4000 + random.nextInt(0x4000), random.nextInt(3000), random));
            }
            byte[] stream = concat(frames);
            List<byte[]> pieces = new ArrayList<>();
            for (int at = 0; at < stream.length; ) {
                int n = Math.min(stream.length - at, 1 + random.nextInt(2000));
                pieces.add(Arrays.copyOfRange(stream, at, at + n));
                at += n;
            }
            assertFrames(frames, readAll(new StreamFramer(), new Pieces(pieces, Pause.values()[random.nextInt(2)])), "round " + round);
        }
    }

    @Test
    void framesThatHaveArrivedTogetherAreTakenInFewReadsNotTwoPerFrame() throws Exception {
        Random random = new Random(8);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            frames.add(channelData(0x4000, 100, random));
        }
        int[] reads = {0};
        InputStream in = new ByteArrayInputStream(concat(frames)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                reads[0]++;
                return super.read(b, off, len);
            }
        };
        assertFrames(frames, readAll(new StreamFramer(), in), "back to back");
        assertTrue(reads[0] <= 10, "10,400 bytes in " + reads[0] + " reads");
    }

    @Test
    void theLargestFramesOfEitherKindAreReadWholeAndTheBufferStopsAtTheLargestFrame() throws Exception {
        Random random = new Random(4);
        byte[] largestStun = stun(0x0016, 0xFFFF, random); // 16-bit length: not a multiple of 4, framed anyway
        byte[] largestChannelData = channelData(0x4000, 0xFFFF, random);
        StreamFramer framer = new StreamFramer();
        assertEquals(StreamFramer.FIRST_SIZE, framer.capacity(), "small until a large frame comes");
        List<byte[]> read = readAll(framer, new ByteArrayInputStream(concat(List.of(largestStun, largestChannelData))));
        assertFrames(List.of(largestStun, largestChannelData), read, "largest");
        assertEquals(StreamFramer.MAX_FRAME, largestStun.length);
        assertEquals(StreamFramer.MAX_FRAME, framer.capacity(), "never more than the largest frame");
    }

    @Test
    void aFirstByteThatIsNeitherStunNorChannelDataIsRefused() throws Exception {
        for (int first = 0x80; first <= 0xFF; first++) {
            byte[] stream = {(byte) first, 0, 0, 4, 1, 2, 3, 4};
            assertEquals(-1, new StreamFramer().next(source(new ByteArrayInputStream(stream))), "first byte " + first);
        }
        Random random = new Random(5);
        byte[] good = channelData(0x4001, 3, random);
        byte[] stream = concat(List.of(good, new byte[] {(byte) 0xC0, 0, 0, 0}));
        StreamFramer framer = new StreamFramer();
        assertEquals(good.length, framer.next(source(new ByteArrayInputStream(stream, 0, stream.length))));
        InputStream rest = new ByteArrayInputStream(stream, good.length, 4);
        assertEquals(-1, framer.next(source(rest)), "after a good frame too");
    }

    @Test
    void aStreamEndingInsideAFrameIsAnEndNotAFrame() throws Exception {
        Random random = new Random(6);
        byte[] frame = stun(0x0003, 40, random);
        for (int cut = 0; cut < frame.length; cut++) {
            InputStream in = new ByteArrayInputStream(frame, 0, cut);
            assertThrows(EOFException.class, () -> new StreamFramer().next(source(in)), "cut at " + cut);
        }
    }

    @Test
    void garbageIsCutIntoFramesOrRefusedNeverMoreThanTheLargestFrame() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 500; round++) {
            byte[] junk = new byte[random.nextInt(200_000)];
            random.nextBytes(junk);
            StreamFramer framer = new StreamFramer();
            StreamFramer.Source in = source(new ByteArrayInputStream(junk));
            int consumed = 0;
            try {
                while (true) {
                    int length = framer.next(in);
                    if (length < 0) {
                        assertTrue((junk[consumed] & 0x80) != 0, "refused only on a first byte of 1x");
                        break;
                    }
                    assertTrue(length >= 4 && length <= StreamFramer.MAX_FRAME, "length " + length);
                    assertArrayEquals(Arrays.copyOfRange(junk, consumed, consumed + length),
                            Arrays.copyOf(framer.buffer().array(), length));
                    consumed += length;
                }
            } catch (EOFException end) {
                // the junk ran out inside a frame
            }
            assertTrue(framer.capacity() <= StreamFramer.MAX_FRAME);
        }
    }

    private static void assertFrames(List<byte[]> expected, List<byte[]> read, String context) {
        assertEquals(expected.size(), read.size(), context + ": frames");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), read.get(i), context + ": frame " + i);
        }
    }

    /** What comes between two pieces of a stream: nothing, or a read that finds nothing yet. */
    enum Pause { NONE, NOTHING_NOW }

    /** A stream that hands out its pieces one read at a time, with a pause between two. */
    private static final class Pieces implements StreamFramer.Source {

        private final List<byte[]> pieces;
        private final Pause pause;
        private int piece;
        private int offset;
        private boolean paused;

        Pieces(List<byte[]> pieces, Pause pause) {
            this.pieces = pieces;
            this.pause = pause;
        }

        @Override
        public int read(ByteBuffer into) throws IOException {
            if (pause == Pause.NOTHING_NOW && offset == 0 && !paused && piece < pieces.size()) {
                paused = true;
                return 0;
            }
            if (piece == pieces.size()) {
                return -1;
            }
            paused = false;
            byte[] current = pieces.get(piece);
            int n = Math.min(into.remaining(), current.length - offset);
            into.put(current, offset, n);
            offset += n;
            if (offset == current.length) {
                piece++;
                offset = 0;
            }
            return n;
        }
    }
}
