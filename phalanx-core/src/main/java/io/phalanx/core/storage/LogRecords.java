package io.phalanx.core.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The byte layout of one {@link SegmentedLog} record, and the scan of one segment file.
 *
 * <p>A record is a 4-byte big-endian payload length, a 4-byte big-endian CRC32C, then the payload.
 * The CRC covers the record's own location (segment index and byte offset, 8 bytes each, big
 * endian; they are not stored), the length field and the payload. Covering the location costs
 * nothing on disk and makes a misdirected write — a valid record that lands in the wrong file or at
 * the wrong offset — fail its checksum instead of passing for a record that belongs there.
 */
final class LogRecords {
    static final int HEADER_BYTES = 8;

    private LogRecords() {
    }

    /** The framed record for {@code payload}, to be written at {@code offset} of segment {@code segmentIndex}. */
    static byte[] frame(long segmentIndex, long offset, byte[] payload) {
        byte[] frame = new byte[HEADER_BYTES + payload.length];
        writeInt(frame, 0, payload.length);
        System.arraycopy(payload, 0, frame, HEADER_BYTES, payload.length);
        writeInt(frame, 4, checksum(segmentIndex, offset, frame, 0, payload.length));
        return frame;
    }

    /** The checksum of a record whose header starts at {@code at} in {@code bytes}. */
    private static int checksum(long segmentIndex, long offset, byte[] bytes, int at, int length) {
        byte[] location = new byte[16];
        writeLong(location, 0, segmentIndex);
        writeLong(location, 8, offset);
        CRC32C crc = new CRC32C();
        crc.update(location, 0, location.length);
        crc.update(bytes, at, 4);
        crc.update(bytes, at + HEADER_BYTES, length);
        return (int) crc.getValue();
    }

    /** Whether a complete record with a plausible length and a matching checksum starts at {@code at}. */
    static boolean intactAt(byte[] segment, int at, long segmentIndex, int recordBytesMax) {
        if (segment.length - at < HEADER_BYTES) {
            return false;
        }
        int length = readInt(segment, at);
        if (length < 0 || length > recordBytesMax || length > segment.length - at - HEADER_BYTES) {
            return false;
        }
        return readInt(segment, at + 4) == checksum(segmentIndex, at, segment, at, length);
    }

    /**
     * The first offset after {@code damagedAt} where an intact record starts, or -1. Only called on
     * a damaged last segment during recovery; worst case quadratic in the tail's length (every
     * offset holding a plausible length gets its checksum computed).
     */
    static int nextIntactRecord(byte[] segment, int damagedAt, long segmentIndex, int recordBytesMax) {
        for (int at = damagedAt + 1; at <= segment.length - HEADER_BYTES; at++) {
            if (intactAt(segment, at, segmentIndex, recordBytesMax)) {
                return at;
            }
        }
        return -1;
    }

    /**
     * Where and how a segment stops parsing. {@code couldBeTorn} says the damage has the shape an
     * interrupted write leaves at the end of a file: a record cut short by the end of the file, a
     * checksum mismatch on a record that ends at the end of the file, or one followed only by zero
     * bytes (the file's size reached the disk but not all of its data).
     */
    record Damage(int offset, boolean couldBeTorn, String reason) {
    }

    /** The intact records of one segment, in order, and the damage that stopped the scan, if any (else null). */
    record Scan(List<SegmentedLog.Entry> entries, Damage damage) {
    }

    static Scan scan(byte[] segment, long segmentIndex, int recordBytesMax) {
        List<SegmentedLog.Entry> entries = new ArrayList<>();
        int at = 0;
        while (at < segment.length) {
            int left = segment.length - at;
            if (left < HEADER_BYTES) {
                return new Scan(entries, new Damage(at, true, "record header cut short (" + left + " bytes)"));
            }
            int length = readInt(segment, at);
            if (length < 0 || length > recordBytesMax) {
                return new Scan(entries, new Damage(at, false,
                        "impossible record length " + Integer.toUnsignedString(length) + " (max " + recordBytesMax + ")"));
            }
            if (length > left - HEADER_BYTES) {
                return new Scan(entries, new Damage(at, true, "record of " + length
                        + " bytes cut short by the end of the file (" + (left - HEADER_BYTES) + " bytes of payload)"));
            }
            int end = at + HEADER_BYTES + length;
            if (!intactAt(segment, at, segmentIndex, recordBytesMax)) {
                boolean torn = end == segment.length || allZero(segment, end);
                return new Scan(entries, new Damage(at, torn, "checksum mismatch on a record of " + length + " bytes"
                        + (end == segment.length ? " ending at the end of the file" : "")));
            }
            byte[] payload = new byte[length];
            System.arraycopy(segment, at + HEADER_BYTES, payload, 0, length);
            entries.add(new SegmentedLog.Entry(new SegmentedLog.Position(segmentIndex, at), payload));
            at = end;
        }
        return new Scan(entries, null);
    }

    private static boolean allZero(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    static int readInt(byte[] bytes, int at) {
        return (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8 | bytes[at + 3] & 0xff;
    }

    static void writeInt(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >>> 24);
        bytes[at + 1] = (byte) (value >>> 16);
        bytes[at + 2] = (byte) (value >>> 8);
        bytes[at + 3] = (byte) value;
    }

    static void writeLong(byte[] bytes, int at, long value) {
        writeInt(bytes, at, (int) (value >>> 32));
        writeInt(bytes, at + 4, (int) value);
    }

    static long readLong(byte[] bytes, int at) {
        return (long) readInt(bytes, at) << 32 | readInt(bytes, at + 4) & 0xffffffffL;
    }
}
