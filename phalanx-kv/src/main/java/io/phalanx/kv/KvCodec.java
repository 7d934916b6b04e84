package io.phalanx.kv;

import io.phalanx.core.message.Bytes;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The binary building blocks shared by operations, results and snapshots.
 *
 * <p>Every encoding must be canonical (one value, one byte string) because replicas compare
 * results and snapshots byte for byte. So strings are strict UTF-8 (no replacement characters
 * in either direction), integers are fixed-width big-endian, flags are exactly 0 or 1, and a
 * decoder rejects trailing bytes. Decoders treat input as hostile: every length is checked
 * against its bound and against what is left before anything is allocated, and every failure
 * is an {@link IllegalArgumentException} that says what was being read and where.
 */
final class KvCodec {
    private KvCodec() {
    }

    /** The strict UTF-8 encoding of {@code text}; rejects unpaired surrogates and oversize text. */
    static byte[] utf8(String text, String what, int bytesMax) {
        byte[] encoded;
        try {
            ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder().encode(java.nio.CharBuffer.wrap(text));
            encoded = new byte[buffer.remaining()];
            buffer.get(encoded);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not valid Unicode (unpaired surrogate?)", e);
        }
        if (encoded.length > bytesMax) {
            throw new IllegalArgumentException(what + " is " + encoded.length + " bytes in UTF-8, max " + bytesMax);
        }
        return encoded;
    }

    /** Writes fields into a growing buffer. */
    static final class Out {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        Out u8(int value) {
            buffer.write(value);
            return this;
        }

        Out bool(boolean value) {
            return u8(value ? 1 : 0);
        }

        Out i32(int value) {
            buffer.writeBytes(ByteBuffer.allocate(4).putInt(value).array());
            return this;
        }

        Out i64(long value) {
            buffer.writeBytes(ByteBuffer.allocate(8).putLong(value).array());
            return this;
        }

        /** A 4-byte length then the UTF-8 bytes. */
        Out string(String text, String what, int bytesMax) {
            byte[] encoded = utf8(text, what, bytesMax);
            i32(encoded.length);
            buffer.writeBytes(encoded);
            return this;
        }

        /** A presence flag, then the string if present. */
        Out optionalString(Optional<String> text, String what, int bytesMax) {
            bool(text.isPresent());
            text.ifPresent(t -> string(t, what, bytesMax));
            return this;
        }

        Bytes toBytes() {
            return Bytes.copyOf(buffer.toByteArray());
        }
    }

    /** Reads fields from a byte string, failing with a precise message on any malformation. */
    static final class In {
        private final byte[] data;
        private int offset;

        In(Bytes bytes) {
            this.data = bytes.toArray();
        }

        int u8(String what) {
            require(1, what);
            return data[offset++] & 0xff;
        }

        boolean bool(String what) {
            int at = offset;
            int flag = u8(what);
            if (flag > 1) {
                throw new IllegalArgumentException(what + " at offset " + at + " must be 0 or 1, got " + flag);
            }
            return flag == 1;
        }

        int i32(String what) {
            require(4, what);
            int value = ByteBuffer.wrap(data, offset, 4).getInt();
            offset += 4;
            return value;
        }

        long i64(String what) {
            require(8, what);
            long value = ByteBuffer.wrap(data, offset, 8).getLong();
            offset += 8;
            return value;
        }

        /** A count or length: non-negative, at most {@code max}. */
        int length(String what, int max) {
            int at = offset;
            int length = i32(what);
            if (length < 0 || length > max) {
                throw new IllegalArgumentException(what + " at offset " + at + " is " + length + ", must be in [0, " + max + "]");
            }
            return length;
        }

        String string(String what, int bytesMax) {
            int length = length(what + " length", bytesMax);
            require(length, what);
            try {
                String text = StandardCharsets.UTF_8.newDecoder()
                        .decode(ByteBuffer.wrap(data, offset, length)).toString();
                offset += length;
                return text;
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(what + " at offset " + offset + " is not valid UTF-8", e);
            }
        }

        Optional<String> optionalString(String what, int bytesMax) {
            return bool(what + " presence flag") ? Optional.of(string(what, bytesMax)) : Optional.empty();
        }

        /** Fails if any byte is left: trailing garbage would make encodings non-canonical. */
        void expectEnd(String what) {
            if (offset != data.length) {
                throw new IllegalArgumentException(what + " has " + (data.length - offset)
                        + " trailing bytes after offset " + offset);
            }
        }

        private void require(int count, String what) {
            if (data.length - offset < count) {
                throw new IllegalArgumentException("truncated: " + what + " needs " + count + " bytes at offset "
                        + offset + ", only " + (data.length - offset) + " left");
            }
        }
    }
}
