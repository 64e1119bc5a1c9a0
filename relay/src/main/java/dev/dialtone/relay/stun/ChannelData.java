package dev.dialtone.relay.stun;

import java.nio.ByteBuffer;

/**
 * The ChannelData message (RFC 8656 section 12.4): a 2-byte channel number, a 2-byte length and the
 * application data. It is the hot path of a relay, so it is read and written by hand.
 */
public final class ChannelData {

    public static final int HEADER_LENGTH = 4;
    public static final int MIN_CHANNEL = 0x4000;
    /**
     * RFC 8656 narrowed the range to 0x4FFF, but RFC 5766 clients (coturn's among them) still use
     * numbers up to 0x7FFF, and every number with the leading bits 01 is unambiguous on the wire.
     */
    public static final int MAX_CHANNEL = 0x7FFF;

    private ChannelData() {
    }

    /** ChannelData starts with the bits 01; STUN messages start with 00. */
    public static boolean startsChannelData(byte firstByte) {
        return (firstByte & 0xC0) == 0x40;
    }

    public static boolean isValidChannel(int number) {
        return number >= MIN_CHANNEL && number <= MAX_CHANNEL;
    }

    public static int channel(ByteBuffer buf, int offset) {
        return buf.getShort(offset) & 0xFFFF;
    }

    public static int dataLength(ByteBuffer buf, int offset) {
        return buf.getShort(offset + 2) & 0xFFFF;
    }

    public static void writeHeader(ByteBuffer buf, int offset, int channel, int dataLength) {
        buf.putShort(offset, (short) channel);
        buf.putShort(offset + 2, (short) dataLength);
    }
}
