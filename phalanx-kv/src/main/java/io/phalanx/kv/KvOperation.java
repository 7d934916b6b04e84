package io.phalanx.kv;

import io.phalanx.core.message.Bytes;

import java.util.Objects;
import java.util.Optional;

/**
 * An operation on the replicated key-value map.
 *
 * <p>Results depend on the order of execution (so a wrong order or a lost write shows up in the
 * results the simulator checks) and every operation names the single key it touches (so the
 * simulator's linearizability checker can reason per key).
 *
 * <p>Encoding: a version byte, a tag byte, then the fields — strings as a 4-byte length plus
 * strict UTF-8, optional strings with a 0/1 presence flag first, longs as 8 bytes big-endian.
 * The constructors enforce the same bounds the decoder does, so every operation that can be
 * built round-trips.
 */
public sealed interface KvOperation
        permits KvOperation.Put, KvOperation.Get, KvOperation.Delete, KvOperation.Cas, KvOperation.Incr {

    /** Encoding format version. */
    byte VERSION = 1;
    /** Largest key, in UTF-8 bytes. */
    int KEY_BYTES_MAX = 1024;
    /** Largest value, in UTF-8 bytes. */
    int VALUE_BYTES_MAX = 64 * 1024;

    /**
     * The one key this operation reads or writes.
     *
     * @return the key
     */
    String key();

    /**
     * Whether the operation may be sent unordered.
     *
     * @return true if the operation never changes the map
     */
    boolean readOnly();

    /**
     * The canonical encoding, the bytes a client puts in a request.
     *
     * @return the encoded operation
     */
    Bytes encode();

    /**
     * Decodes {@link #encode()}'s output.
     *
     * @param bytes an encoded operation
     * @return the operation
     * @throws IllegalArgumentException if {@code bytes} is not a valid encoding of this version
     */
    static KvOperation decode(Bytes bytes) {
        KvCodec.In in = new KvCodec.In(Objects.requireNonNull(bytes, "bytes"));
        int version = in.u8("operation version");
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown operation version " + version + ", expected " + VERSION);
        }
        KvOperation op = decodeBody(in, in.u8("operation tag"));
        in.expectEnd("operation");
        return op;
    }

    private static KvOperation decodeBody(KvCodec.In in, int tag) {
        switch (tag) {
            case Put.TAG:
                return new Put(readKey(in), in.string("value", VALUE_BYTES_MAX));
            case Get.TAG:
                return new Get(readKey(in));
            case Delete.TAG:
                return new Delete(readKey(in));
            case Cas.TAG:
                return new Cas(readKey(in), in.optionalString("expected", VALUE_BYTES_MAX),
                        in.string("new value", VALUE_BYTES_MAX));
            case Incr.TAG:
                return new Incr(readKey(in), in.i64("delta"));
            default:
                throw new IllegalArgumentException("unknown operation tag " + tag);
        }
    }

    private static String readKey(KvCodec.In in) {
        return in.string("key", KEY_BYTES_MAX);
    }

    private static KvCodec.Out header(int tag, String key) {
        return new KvCodec.Out().u8(VERSION).u8(tag).string(key, "key", KEY_BYTES_MAX);
    }

    private static String checkKey(String key) {
        KvCodec.utf8(Objects.requireNonNull(key, "key"), "key", KEY_BYTES_MAX);
        return key;
    }

    private static String checkValue(String value, String what) {
        KvCodec.utf8(Objects.requireNonNull(value, what), what, VALUE_BYTES_MAX);
        return value;
    }

    /**
     * Sets {@code key} to {@code value}; the result is the previous value, if any.
     *
     * @param key   the key to set
     * @param value its new value
     */
    record Put(String key, String value) implements KvOperation {
        static final int TAG = 1;

        /**
         * Checks the bounds the decoder enforces.
         *
         * @param key   the key to set, at most {@link #KEY_BYTES_MAX} UTF-8 bytes
         * @param value its new value, at most {@link #VALUE_BYTES_MAX} UTF-8 bytes
         * @throws IllegalArgumentException if a string is too long or holds an unpaired surrogate
         */
        public Put {
            checkKey(key);
            checkValue(value, "value");
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public Bytes encode() {
            return header(TAG, key).string(value, "value", VALUE_BYTES_MAX).toBytes();
        }

        @Override
        public String toString() {
            return "PUT(" + key + ", '" + value + "')";
        }
    }

    /**
     * Reads {@code key}; the result is its value, if any. The only read-only operation.
     *
     * @param key the key to read
     */
    record Get(String key) implements KvOperation {
        static final int TAG = 2;

        /**
         * Checks the key's bound.
         *
         * @param key the key to read, at most {@link #KEY_BYTES_MAX} UTF-8 bytes
         * @throws IllegalArgumentException if the key is too long or holds an unpaired surrogate
         */
        public Get {
            checkKey(key);
        }

        @Override
        public boolean readOnly() {
            return true;
        }

        @Override
        public Bytes encode() {
            return header(TAG, key).toBytes();
        }

        @Override
        public String toString() {
            return "GET(" + key + ")";
        }
    }

    /**
     * Removes {@code key}; the result is the value it had, if any.
     *
     * @param key the key to remove
     */
    record Delete(String key) implements KvOperation {
        static final int TAG = 3;

        /**
         * Checks the key's bound.
         *
         * @param key the key to remove, at most {@link #KEY_BYTES_MAX} UTF-8 bytes
         * @throws IllegalArgumentException if the key is too long or holds an unpaired surrogate
         */
        public Delete {
            checkKey(key);
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public Bytes encode() {
            return header(TAG, key).toBytes();
        }

        @Override
        public String toString() {
            return "DELETE(" + key + ")";
        }
    }

    /**
     * Compare-and-set: sets {@code key} to {@code newValue} only if its current value equals
     * {@code expected} (empty = the key must be absent).
     *
     * @param key      the key to set
     * @param expected the value the key must have, or empty if it must be absent
     * @param newValue the value to set if it does
     */
    record Cas(String key, Optional<String> expected, String newValue) implements KvOperation {
        static final int TAG = 4;

        /**
         * Checks the bounds the decoder enforces.
         *
         * @param key      the key to set, at most {@link #KEY_BYTES_MAX} UTF-8 bytes
         * @param expected the value the key must have, or empty; at most {@link #VALUE_BYTES_MAX} UTF-8 bytes
         * @param newValue the value to set, at most {@link #VALUE_BYTES_MAX} UTF-8 bytes
         * @throws IllegalArgumentException if a string is too long or holds an unpaired surrogate
         */
        public Cas {
            checkKey(key);
            Objects.requireNonNull(expected, "expected").ifPresent(e -> checkValue(e, "expected"));
            checkValue(newValue, "new value");
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public Bytes encode() {
            return header(TAG, key).optionalString(expected, "expected", VALUE_BYTES_MAX)
                    .string(newValue, "new value", VALUE_BYTES_MAX).toBytes();
        }

        @Override
        public String toString() {
            return "CAS(" + key + ", expected " + expected.map(e -> "'" + e + "'").orElse("absent")
                    + ", new '" + newValue + "')";
        }
    }

    /**
     * Adds {@code delta} to the decimal counter stored at {@code key} (absent counts as 0) and
     * stores the sum back as a decimal string.
     *
     * @param key   the counter's key
     * @param delta the amount to add, negative to subtract
     */
    record Incr(String key, long delta) implements KvOperation {
        static final int TAG = 5;

        /**
         * Checks the key's bound.
         *
         * @param key   the counter's key, at most {@link #KEY_BYTES_MAX} UTF-8 bytes
         * @param delta the amount to add
         * @throws IllegalArgumentException if the key is too long or holds an unpaired surrogate
         */
        public Incr {
            checkKey(key);
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public Bytes encode() {
            return header(TAG, key).i64(delta).toBytes();
        }

        @Override
        public String toString() {
            return "INCR(" + key + ", " + (delta >= 0 ? "+" : "") + delta + ")";
        }
    }
}
