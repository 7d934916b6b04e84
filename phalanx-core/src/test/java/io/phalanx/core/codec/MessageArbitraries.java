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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Generators for every message type, and an independent description of the wire layout
 * (sizes and the offsets of length/count prefixes) that the tests check the codec against.
 *
 * <p>The layout is written out here by hand on purpose: if the codec's layout changes, these
 * numbers stop matching and the tests say so, which is the moment to bump the wire version.
 */
final class MessageArbitraries {
    /** Bytes before a message's fields: version and type tag. */
    static final int HEADER_BYTES = 2;
    /** clientId, sequence, kind, viewId, operation length. */
    static final int REQUEST_FIXED_BYTES = 8 + 8 + 1 + 8 + 4;
    /** sender, clientId, sequence, kind, viewId, result length. */
    static final int REPLY_FIXED_BYTES = 4 + 8 + 8 + 1 + 8 + 4;
    /** sender, consensusId, epoch. */
    static final int PROPOSE_FIXED_BYTES = 4 + 8 + 4;
    /** timestampMs, nonce, request count. */
    static final int BATCH_FIXED_BYTES = 8 + 8 + 4;
    /** sender, consensusId, epoch, digest. */
    static final int VOTE_BYTES = 4 + 8 + 4 + Digest.LENGTH;

    private MessageArbitraries() {
    }

    /** Byte strings from empty to {@code maxLength}, empty ones generated on purpose. */
    static Arbitrary<Bytes> bytes(int maxLength) {
        Arbitrary<Bytes> nonEmpty = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(maxLength)
                .map(Bytes::copyOf);
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(Bytes.EMPTY)),
                Tuple.of(4, nonEmpty));
    }

    static Arbitrary<Digest> digests() {
        return Arbitraries.bytes().array(byte[].class).ofSize(Digest.LENGTH).map(b -> new Digest(Bytes.copyOf(b)));
    }

    static Arbitrary<RequestKind> kinds() {
        return Arbitraries.of(RequestKind.class);
    }

    static Arbitrary<Request> requests() {
        return Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                kinds(),
                Arbitraries.longs(),
                bytes(64)).as(Request::new);
    }

    static Arbitrary<Reply> replies() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.longs(),
                kinds(),
                Arbitraries.longs(),
                bytes(64)).as(Reply::new);
    }

    static Arbitrary<Batch> batches() {
        return Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.longs(),
                requests().list().ofMaxSize(6)).as(Batch::new);
    }

    static Arbitrary<Propose> proposes() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.integers(),
                batches()).as(Propose::new);
    }

    static Arbitrary<Write> writes() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.integers(),
                digests()).as(Write::new);
    }

    static Arbitrary<Accept> accepts() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.integers(),
                digests()).as(Accept::new);
    }

    static Arbitrary<Message> messages() {
        return Arbitraries.oneOf(requests(), replies(), proposes(), writes(), accepts());
    }

    /** Messages whose encoding holds at least one length or count prefix. */
    static Arbitrary<Message> messagesWithLengthFields() {
        return Arbitraries.oneOf(requests(), replies(), proposes());
    }

    /** The encoded size of {@code message}, computed from the layout rather than by encoding. */
    static int encodedSize(Message message) {
        if (message instanceof Request r) {
            return HEADER_BYTES + requestSize(r);
        } else if (message instanceof Reply r) {
            return HEADER_BYTES + REPLY_FIXED_BYTES + r.result().length();
        } else if (message instanceof Propose p) {
            return HEADER_BYTES + PROPOSE_FIXED_BYTES + batchSize(p.batch());
        } else if (message instanceof Write || message instanceof Accept) {
            return HEADER_BYTES + VOTE_BYTES;
        }
        throw new AssertionError("unknown message " + message);
    }

    static int batchSize(Batch batch) {
        int size = BATCH_FIXED_BYTES;
        for (Request r : batch.requests()) {
            size += requestSize(r);
        }
        return size;
    }

    private static int requestSize(Request r) {
        return REQUEST_FIXED_BYTES + r.operation().length();
    }

    /** Offsets of every 4-byte length or count prefix in the encoding of {@code message}. */
    static List<Integer> lengthFieldOffsets(Message message) {
        List<Integer> offsets = new ArrayList<>();
        if (message instanceof Request) {
            offsets.add(HEADER_BYTES + REQUEST_FIXED_BYTES - 4);
        } else if (message instanceof Reply) {
            offsets.add(HEADER_BYTES + REPLY_FIXED_BYTES - 4);
        } else if (message instanceof Propose p) {
            int batchStart = HEADER_BYTES + PROPOSE_FIXED_BYTES;
            offsets.add(batchStart + BATCH_FIXED_BYTES - 4);
            int requestStart = batchStart + BATCH_FIXED_BYTES;
            for (Request r : p.batch().requests()) {
                offsets.add(requestStart + REQUEST_FIXED_BYTES - 4);
                requestStart += requestSize(r);
            }
        }
        return offsets;
    }

    /** A copy of {@code input} with the big-endian int {@code value} written at {@code offset}. */
    static byte[] patchInt(byte[] input, int offset, int value) {
        byte[] patched = input.clone();
        patched[offset] = (byte) (value >>> 24);
        patched[offset + 1] = (byte) (value >>> 16);
        patched[offset + 2] = (byte) (value >>> 8);
        patched[offset + 3] = (byte) value;
        return patched;
    }
}
