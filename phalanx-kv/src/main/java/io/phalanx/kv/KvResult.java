package io.phalanx.kv;

import io.phalanx.core.message.Bytes;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link KeyValueService} answers to an operation.
 *
 * <p>Results travel as bytes in replies and the client compares replies byte for byte, so the
 * encoding is canonical (same layout rules as {@link KvOperation}). The {@code toString} forms
 * are written for checker reports: {@code absent}, {@code 'v3'}, {@code CAS swapped, now 'v3'},
 * {@code counter 7}, {@code error: ...}.
 */
public sealed interface KvResult permits KvResult.Value, KvResult.CasResult, KvResult.Counter, KvResult.Error {

    /** Encoding format version. */
    byte VERSION = 1;
    /** Longest error message, in UTF-8 bytes. */
    int MESSAGE_BYTES_MAX = 4096;

    /**
     * The canonical encoding, the bytes a replica puts in a reply.
     *
     * @return the encoded result
     */
    Bytes encode();

    /**
     * Decodes {@link #encode()}'s output.
     *
     * @param bytes an encoded result
     * @return the result
     * @throws IllegalArgumentException if {@code bytes} is not a valid encoding of this version
     */
    static KvResult decode(Bytes bytes) {
        KvCodec.In in = new KvCodec.In(Objects.requireNonNull(bytes, "bytes"));
        int version = in.u8("result version");
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown result version " + version + ", expected " + VERSION);
        }
        KvResult result = decodeBody(in, in.u8("result tag"));
        in.expectEnd("result");
        return result;
    }

    private static KvResult decodeBody(KvCodec.In in, int tag) {
        switch (tag) {
            case Value.TAG:
                return new Value(in.optionalString("value", KvOperation.VALUE_BYTES_MAX));
            case CasResult.TAG:
                return new CasResult(in.bool("swapped flag"), in.optionalString("current", KvOperation.VALUE_BYTES_MAX));
            case Counter.TAG:
                return new Counter(in.i64("counter"));
            case Error.TAG:
                return new Error(in.string("error message", MESSAGE_BYTES_MAX));
            default:
                throw new IllegalArgumentException("unknown result tag " + tag);
        }
    }

    private static KvCodec.Out header(int tag) {
        return new KvCodec.Out().u8(VERSION).u8(tag);
    }

    private static String quoted(Optional<String> value) {
        return value.map(v -> "'" + v + "'").orElse("absent");
    }

    /**
     * A value shortcut for tests and checkers.
     *
     * @param value the key's value
     * @return the result of a present value
     */
    static Value value(String value) {
        return new Value(Optional.of(value));
    }

    /**
     * The absent-value shortcut for tests and checkers.
     *
     * @return the result of an absent key
     */
    static Value absent() {
        return new Value(Optional.empty());
    }

    /**
     * A key's value (GET) or previous value (PUT, DELETE); empty when the key was absent.
     *
     * @param value the value, or empty if the key was absent
     */
    record Value(Optional<String> value) implements KvResult {
        static final int TAG = 1;

        /**
         * Checks the value's bound.
         *
         * @param value the value, or empty; at most {@link KvOperation#VALUE_BYTES_MAX} UTF-8 bytes
         * @throws IllegalArgumentException if the value is too long or holds an unpaired surrogate
         */
        public Value {
            Objects.requireNonNull(value, "value")
                    .ifPresent(v -> KvCodec.utf8(v, "value", KvOperation.VALUE_BYTES_MAX));
        }

        @Override
        public Bytes encode() {
            return header(TAG).optionalString(value, "value", KvOperation.VALUE_BYTES_MAX).toBytes();
        }

        @Override
        public String toString() {
            return quoted(value);
        }
    }

    /**
     * The outcome of a CAS: whether it swapped, and the key's value after the operation (the new
     * value if it swapped, otherwise the value that did not match the expectation).
     *
     * @param swapped whether the CAS set the new value
     * @param current the key's value after the operation, or empty if absent
     */
    record CasResult(boolean swapped, Optional<String> current) implements KvResult {
        static final int TAG = 2;

        /**
         * Checks the value's bound.
         *
         * @param swapped whether the CAS set the new value
         * @param current the key's value after the operation, or empty; at most
         *                {@link KvOperation#VALUE_BYTES_MAX} UTF-8 bytes
         * @throws IllegalArgumentException if the value is too long or holds an unpaired surrogate
         */
        public CasResult {
            Objects.requireNonNull(current, "current")
                    .ifPresent(v -> KvCodec.utf8(v, "current", KvOperation.VALUE_BYTES_MAX));
        }

        @Override
        public Bytes encode() {
            return header(TAG).bool(swapped).optionalString(current, "current", KvOperation.VALUE_BYTES_MAX).toBytes();
        }

        @Override
        public String toString() {
            return "CAS " + (swapped ? "swapped" : "failed") + ", now " + quoted(current);
        }
    }

    /**
     * The counter's value after an INCR.
     *
     * @param value the sum stored back
     */
    record Counter(long value) implements KvResult {
        static final int TAG = 3;

        @Override
        public Bytes encode() {
            return header(TAG).i64(value).toBytes();
        }

        @Override
        public String toString() {
            return "counter " + value;
        }
    }

    /**
     * The service refused the operation (malformed bytes, a write sent as a query, a
     * non-numeric counter, a full map). Deterministic like any other result: every correct
     * replica returns the same error for the same operation in the same state.
     *
     * @param message why the operation was refused
     */
    record Error(String message) implements KvResult {
        static final int TAG = 4;

        /**
         * Checks the message's bound.
         *
         * @param message why the operation was refused, at most {@link #MESSAGE_BYTES_MAX} UTF-8 bytes
         * @throws IllegalArgumentException if the message is too long or holds an unpaired surrogate
         */
        public Error {
            KvCodec.utf8(Objects.requireNonNull(message, "message"), "error message", MESSAGE_BYTES_MAX);
        }

        @Override
        public Bytes encode() {
            return header(TAG).string(message, "error message", MESSAGE_BYTES_MAX).toBytes();
        }

        @Override
        public String toString() {
            return "error: " + message;
        }
    }
}
