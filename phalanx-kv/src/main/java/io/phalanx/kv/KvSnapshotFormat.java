package io.phalanx.kv;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The key-value snapshot layout, written and read as a stream so that a state larger than the
 * heap passes through with bounded memory; {@link KeyValueService} and
 * {@link RocksKeyValueService} both use it, so each restores the other's snapshots.
 *
 * <p>Layout (version 1): a version byte, the entry count as 4 bytes big-endian, then each entry
 * as key and value, each a 4-byte length plus strict UTF-8, in strictly ascending key order
 * ({@link String#compareTo}, UTF-16 code units), and nothing after the last entry. The count up
 * front does not prevent streaming: a store that streams keeps its count with its entries and
 * reads both from one consistent view.
 *
 * <p>The reader treats its input as hostile (it arrives by state transfer): every length is
 * checked against its bound before anything is allocated, and every failure is an
 * {@link IllegalArgumentException} saying what was read at which offset.
 */
final class KvSnapshotFormat {
    /** Snapshot format version. */
    static final byte VERSION = 1;

    private KvSnapshotFormat() {
    }

    /** Writes a snapshot: {@link #header} once, then exactly that many {@link #entry} calls. */
    static final class Writer {
        private final DataOutputStream out;

        /** {@code out} should be buffered; the writer never closes it. */
        Writer(OutputStream out) {
            this.out = new DataOutputStream(out);
        }

        void header(int count) throws IOException {
            out.writeByte(VERSION);
            out.writeInt(count);
        }

        /** An entry given as its UTF-8 encodings, which the caller has checked. */
        void entry(byte[] keyUtf8, byte[] valueUtf8) throws IOException {
            out.writeInt(keyUtf8.length);
            out.write(keyUtf8);
            out.writeInt(valueUtf8.length);
            out.write(valueUtf8);
        }

        void flush() throws IOException {
            out.flush();
        }
    }

    /** One entry read back, both as text and as the UTF-8 bytes it arrived as. */
    record Entry(String key, String value, byte[] valueUtf8) {
    }

    /**
     * Reads a snapshot: the constructor reads the header, {@link #next} each entry while
     * {@link #hasNext}, then {@link #finish} checks that nothing follows.
     */
    static final class Reader {
        private final InputStream in;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        private final int count;
        private long offset;
        private int read;
        private String previousKey;

        /** {@code in} should be buffered; the reader never closes it. */
        Reader(InputStream in, int entriesMax) throws IOException {
            this.in = in;
            int version = u8("snapshot version");
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown snapshot version " + version + ", expected " + VERSION);
            }
            this.count = length("entry count", entriesMax);
        }

        int count() {
            return count;
        }

        boolean hasNext() {
            return read < count;
        }

        Entry next() throws IOException {
            if (!hasNext()) {
                throw new IllegalStateException("all " + count + " entries were read");
            }
            String key = decode(bytes("key of entry " + read, KvOperation.KEY_BYTES_MAX), "key of entry " + read);
            if (previousKey != null && previousKey.compareTo(key) >= 0) {
                throw new IllegalArgumentException("keys not in strictly ascending order at entry " + read);
            }
            byte[] valueUtf8 = bytes("value of entry " + read, KvOperation.VALUE_BYTES_MAX);
            String value = decode(valueUtf8, "value of entry " + read);
            previousKey = key;
            read++;
            return new Entry(key, value, valueUtf8);
        }

        /** Fails if any byte follows the last entry: trailing garbage would make snapshots non-canonical. */
        void finish() throws IOException {
            if (hasNext()) {
                throw new IllegalStateException("only " + read + " of " + count + " entries were read");
            }
            long trailing = in.transferTo(OutputStream.nullOutputStream());
            if (trailing != 0) {
                throw new IllegalArgumentException("snapshot has " + trailing + " trailing bytes after offset " + offset);
            }
        }

        private int u8(String what) throws IOException {
            int value = in.read();
            if (value < 0) {
                throw truncated(what, 1, 0);
            }
            offset++;
            return value;
        }

        /** A count or length: non-negative, at most {@code max}. */
        private int length(String what, int max) throws IOException {
            long at = offset;
            byte[] four = exactly(4, what);
            int length = ByteBuffer.wrap(four).getInt();
            if (length < 0 || length > max) {
                throw new IllegalArgumentException(what + " at offset " + at + " is " + length + ", must be in [0, " + max + "]");
            }
            return length;
        }

        private byte[] bytes(String what, int bytesMax) throws IOException {
            return exactly(length(what + " length", bytesMax), what);
        }

        private byte[] exactly(int length, String what) throws IOException {
            byte[] data = in.readNBytes(length);
            if (data.length < length) {
                throw truncated(what, length, data.length);
            }
            offset += length;
            return data;
        }

        private String decode(byte[] utf8, String what) {
            try {
                return decoder.reset().decode(ByteBuffer.wrap(utf8)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(what + " before offset " + offset + " is not valid UTF-8", e);
            }
        }

        private IllegalArgumentException truncated(String what, int needed, int left) {
            return new IllegalArgumentException("truncated: " + what + " needs " + needed + " bytes at offset "
                    + offset + ", only " + left + " left");
        }
    }
}
