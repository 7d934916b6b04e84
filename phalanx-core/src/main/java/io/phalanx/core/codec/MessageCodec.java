package io.phalanx.core.codec;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.Write;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical binary encoding of every {@link Message}.
 *
 * <p>Canonical means one message has exactly one encoding, so the encoding can be hashed and
 * signed. Layout: a version byte, a type tag, then the fields in declaration order — integers
 * big-endian and fixed-width, byte strings and lists prefixed by a 4-byte length or count.
 *
 * <p>Decoding treats its input as hostile. Before allocating anything it checks that the input
 * is within {@code messageBytesMax} and that every declared length fits in what is left, so a
 * forged length can never make it allocate more than the input's own size. Every failure,
 * whatever its cause, surfaces as a {@link CodecException}.
 */
public final class MessageCodec {
    /** Wire format version; bump it when the layout changes. */
    public static final byte VERSION = 1;

    private static final byte TAG_REQUEST = 1;
    private static final byte TAG_REPLY = 2;
    private static final byte TAG_PROPOSE = 3;
    private static final byte TAG_WRITE = 4;
    private static final byte TAG_ACCEPT = 5;

    /** Smallest possible encoded request: fixed fields plus an empty operation. */
    private static final int REQUEST_BYTES_MIN = 8 + 8 + 1 + 8 + 4;

    private final int messageBytesMax;

    public MessageCodec(int messageBytesMax) {
        if (messageBytesMax < 64) {
            throw new IllegalArgumentException("messageBytesMax must be >= 64, got " + messageBytesMax);
        }
        this.messageBytesMax = messageBytesMax;
    }

    public int messageBytesMax() {
        return messageBytesMax;
    }

    /** Encodes {@code message}; fails if the encoding would exceed {@code messageBytesMax}. */
    public byte[] encode(Message message) throws CodecException {
        Writer out = new Writer();
        out.u8(VERSION);
        if (message instanceof Request r) {
            out.u8(TAG_REQUEST);
            writeRequest(out, r);
        } else if (message instanceof Reply r) {
            out.u8(TAG_REPLY);
            out.i32(r.sender());
            out.i64(r.clientId());
            out.i64(r.sequence());
            out.u8(kindByte(r.kind()));
            out.i64(r.viewId());
            out.bytes(r.result());
        } else if (message instanceof Propose p) {
            out.u8(TAG_PROPOSE);
            out.i32(p.sender());
            out.i64(p.consensusId());
            out.i32(p.epoch());
            writeBatch(out, p.batch());
        } else if (message instanceof Write w) {
            out.u8(TAG_WRITE);
            writeVote(out, w.sender(), w.consensusId(), w.epoch(), w.batchDigest());
        } else if (message instanceof Accept a) {
            out.u8(TAG_ACCEPT);
            writeVote(out, a.sender(), a.consensusId(), a.epoch(), a.batchDigest());
        } else {
            throw new IllegalStateException("no encoding for " + message.getClass());
        }
        byte[] encoded = out.toArray();
        if (encoded.length > messageBytesMax) {
            throw new CodecException("encoded " + message.getClass().getSimpleName() + " is " + encoded.length
                    + " bytes, over the maximum of " + messageBytesMax);
        }
        return encoded;
    }

    /**
     * The canonical encoding of a batch alone, the input of the batch digest. It is not a
     * message and has no size limit of its own: the proposal that carries it has.
     */
    public static byte[] encodeBatch(Batch batch) {
        Writer out = new Writer();
        writeBatch(out, batch);
        return out.toArray();
    }

    /** Decodes one message occupying all of {@code input}. */
    public Message decode(byte[] input) throws CodecException {
        if (input.length > messageBytesMax) {
            throw new CodecException("message of " + input.length + " bytes is over the maximum of " + messageBytesMax);
        }
        Reader in = new Reader(input);
        try {
            int version = in.u8();
            if (version != VERSION) {
                throw new CodecException("unsupported wire version " + version + " (this build speaks " + VERSION + ")");
            }
            int tag = in.u8();
            Message message = switch (tag) {
                case TAG_REQUEST -> readRequest(in);
                case TAG_REPLY -> new Reply(in.i32(), in.i64(), in.i64(), readKind(in), in.i64(), in.bytes());
                case TAG_PROPOSE -> new Propose(in.i32(), in.i64(), in.i32(), readBatch(in));
                case TAG_WRITE -> new Write(in.i32(), in.i64(), in.i32(), readDigest(in));
                case TAG_ACCEPT -> new Accept(in.i32(), in.i64(), in.i32(), readDigest(in));
                default -> throw new CodecException("unknown message type tag " + tag);
            };
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after " + message.getClass().getSimpleName());
            }
            return message;
        } catch (IllegalArgumentException | NullPointerException e) {
            // A record constructor refused a decoded field (e.g. a sequence number below 1).
            throw new CodecException("invalid field: " + e.getMessage(), e);
        }
    }

    private static void writeRequest(Writer out, Request r) {
        out.i64(r.clientId());
        out.i64(r.sequence());
        out.u8(kindByte(r.kind()));
        out.i64(r.viewId());
        out.bytes(r.operation());
    }

    private static Request readRequest(Reader in) throws CodecException {
        return new Request(in.i64(), in.i64(), readKind(in), in.i64(), in.bytes());
    }

    private static void writeBatch(Writer out, Batch batch) {
        out.i64(batch.timestampMs());
        out.i64(batch.nonce());
        out.i32(batch.requests().size());
        for (Request r : batch.requests()) {
            writeRequest(out, r);
        }
    }

    private static Batch readBatch(Reader in) throws CodecException {
        long timestamp = in.i64();
        long nonce = in.i64();
        int count = in.count(REQUEST_BYTES_MIN);
        List<Request> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(readRequest(in));
        }
        return new Batch(timestamp, nonce, requests);
    }

    private static void writeVote(Writer out, int sender, long consensusId, int epoch, Digest digest) {
        out.i32(sender);
        out.i64(consensusId);
        out.i32(epoch);
        out.raw(digest.value());
    }

    private static Digest readDigest(Reader in) throws CodecException {
        return new Digest(in.raw(Digest.LENGTH));
    }

    private static byte kindByte(RequestKind kind) {
        return (byte) kind.ordinal();
    }

    private static RequestKind readKind(Reader in) throws CodecException {
        int b = in.u8();
        RequestKind[] kinds = RequestKind.values();
        if (b >= kinds.length) {
            throw new CodecException("unknown request kind " + b);
        }
        return kinds[b];
    }

    /** Growable big-endian output buffer. */
    private static final class Writer {
        private byte[] buf = new byte[128];
        private int pos;

        private void ensure(int extra) {
            if (pos + extra > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        void i32(int v) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                buf[pos++] = (byte) (v >>> shift);
            }
        }

        void i64(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[pos++] = (byte) (v >>> shift);
            }
        }

        void raw(Bytes b) {
            ensure(b.length());
            b.copyTo(buf, pos);
            pos += b.length();
        }

        void bytes(Bytes b) {
            i32(b.length());
            raw(b);
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(buf, pos);
        }
    }

    /** Bounds-checked big-endian input; every read fails cleanly past the end. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(byte[] input) {
            this.buf = ByteBuffer.wrap(input);
        }

        int remaining() {
            return buf.remaining();
        }

        private void need(int n, String what) throws CodecException {
            if (buf.remaining() < n) {
                throw new CodecException("truncated input: " + what + " needs " + n + " bytes, "
                        + buf.remaining() + " left at offset " + buf.position());
            }
        }

        int u8() throws CodecException {
            need(1, "byte");
            return buf.get() & 0xff;
        }

        int i32() throws CodecException {
            need(4, "int");
            return buf.getInt();
        }

        long i64() throws CodecException {
            need(8, "long");
            return buf.getLong();
        }

        Bytes raw(int length) throws CodecException {
            need(length, "byte string");
            byte[] out = new byte[length];
            buf.get(out);
            return Bytes.copyOf(out);
        }

        Bytes bytes() throws CodecException {
            int length = i32();
            if (length < 0) {
                throw new CodecException("negative length " + length + " at offset " + (buf.position() - 4));
            }
            return raw(length);
        }

        /** Reads a list count and checks that that many items of at least itemBytesMin fit. */
        int count(int itemBytesMin) throws CodecException {
            int count = i32();
            if (count < 0 || (long) count * itemBytesMin > buf.remaining()) {
                throw new CodecException("list count " + count + " cannot fit in the " + buf.remaining()
                        + " bytes left at offset " + (buf.position() - 4));
            }
            return count;
        }
    }
}
