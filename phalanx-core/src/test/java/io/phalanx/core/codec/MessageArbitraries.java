package io.phalanx.core.codec;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Chunk;
import io.phalanx.core.message.ChunkFetch;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionFetch;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StateQuery;
import io.phalanx.core.message.StateReport;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.Write;
import io.phalanx.core.message.VoteHistory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Generators for every message type, and an independent description of the wire layout
 * (sizes and the offsets of length prefixes, count prefixes and presence flags) that the tests
 * check the codec against.
 *
 * <p>The layout is written out here by hand on purpose: if the codec's layout changes, these
 * numbers stop matching and the tests say so, which is the moment to bump the wire version.
 *
 * <p>Nested parts (batches inside certificates, STOPDATAs inside a SYNC, decisions inside a
 * DECISION_PUSH) are generated smaller than top-level ones, so that the quadratic properties
 * (every truncation of every generated message) stay fast.
 */
final class MessageArbitraries {
    /** Bytes before a message's fields: version and type tag. */
    static final int HEADER_BYTES = 2;
    /** PROPOSE: sender, consensusId, epoch; the batch follows. */
    static final int PROPOSE_FIXED_BYTES = 4 + 8 + 4;
    /** Every type tag the codec knows. */
    static final int TAG_MIN = 1;
    static final int TAG_MAX = 16;

    private MessageArbitraries() {
    }

    // ---- generators --------------------------------------------------------------------------

    /** Byte strings from empty to {@code maxLength}, empty ones generated on purpose. */
    static Arbitrary<Bytes> bytes(int maxLength) {
        Arbitrary<Bytes> nonEmpty = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(maxLength)
                .map(Bytes::copyOf);
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(Bytes.EMPTY)),
                Tuple.of(4, nonEmpty));
    }

    /** Signatures: empty (unsigned) about a third of the time, otherwise up to 64 bytes (Ed25519). */
    static Arbitrary<Bytes> signatures() {
        Arbitrary<Bytes> nonEmpty = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64)
                .map(Bytes::copyOf);
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(Bytes.EMPTY)),
                Tuple.of(2, nonEmpty));
    }

    static Arbitrary<Digest> digests() {
        return Arbitraries.bytes().array(byte[].class).ofSize(Digest.LENGTH).map(b -> new Digest(Bytes.copyOf(b)));
    }

    static Arbitrary<RequestKind> kinds() {
        return Arbitraries.of(RequestKind.class);
    }

    static Arbitrary<Request> requests() {
        return requests(64);
    }

    private static Arbitrary<Request> requests(int operationMax) {
        return Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                kinds(),
                Arbitraries.longs(),
                bytes(operationMax),
                signatures()).as(Request::new);
    }

    static Arbitrary<Reply> replies() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.longs(),
                kinds(),
                Arbitraries.longs(),
                Arbitraries.integers(),
                bytes(64),
                Arbitraries.of(false, true)).as(Reply::new);
    }

    static Arbitrary<Refusal> refusals() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.longs(),
                Arbitraries.of(Refusal.Reason.class),
                Arbitraries.longs(),
                bytes(64)).as(Refusal::new);
    }

    static Arbitrary<Batch> batches() {
        return batches(5, 64);
    }

    /** Small batches for nesting inside certificates, SYNCs and decisions. */
    private static Arbitrary<Batch> smallBatches() {
        return batches(2, 16);
    }

    private static Arbitrary<Batch> batches(int requestsMax, int operationMax) {
        return Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.longs(),
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                requests(operationMax).list().ofMaxSize(requestsMax),
                Arbitraries.integers().between(0, 20).set().ofMaxSize(4).map(set -> set.stream().sorted().toList()))
                .as(Batch::new);
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
                digests(),
                signatures()).as(Accept::new);
    }

    static Arbitrary<Forward> forwards() {
        return Combinators.combine(
                Arbitraries.integers(),
                requests().list().ofMaxSize(4)).as(Forward::new);
    }

    static Arbitrary<Stop> stops() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.integers(),
                Arbitraries.oneOf(Arbitraries.just(-1L), Arbitraries.longs()),
                requests().list().ofMaxSize(4)).as(Stop::new);
    }

    static Arbitrary<VoteHistory> voteHistories() {
        Arbitrary<VoteHistory.Written> written = Combinators.combine(Arbitraries.integers(), digests())
                .as(VoteHistory.Written::new);
        return Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.integers().between(-1, 1_000_000),
                smallBatches(),
                written.list().ofMaxSize(3)).as((cid, epoch, batch, writes) ->
                new VoteHistory(cid, epoch, epoch < 0 ? null : batch, writes));
    }

    static Arbitrary<StopData> stopDatas() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.integers(),
                Arbitraries.oneOf(Arbitraries.just(-1L), Arbitraries.longs()),
                accepts().list().ofMaxSize(3),
                voteHistories().list().ofMaxSize(2),
                signatures()).as(StopData::new);
    }

    static Arbitrary<Sync> syncs() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.integers(),
                stopDatas().list().ofMaxSize(3),
                Combinators.combine(Arbitraries.longs(), smallBatches()).as(Sync.Bound::new).list().ofMaxSize(2))
                .as(Sync::new);
    }

    static Arbitrary<DecisionFetch> decisionFetches() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs()).as(DecisionFetch::new);
    }

    static Arbitrary<Decision> decisions() {
        return Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.integers(),
                smallBatches(),
                digests(),
                accepts().list().ofMaxSize(3)).as(Decision::new);
    }

    static Arbitrary<DecisionPush> decisionPushes() {
        return Combinators.combine(
                Arbitraries.integers(),
                decisions().list().ofMaxSize(3)).as(DecisionPush::new);
    }

    static Arbitrary<StateQuery> stateQueries() {
        return Arbitraries.integers().map(StateQuery::new);
    }

    static Arbitrary<StateReport> stateReports() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.longs(),
                Arbitraries.longs().greaterOrEqual(0),
                digests().list().ofMaxSize(3),
                accepts().list().ofMaxSize(3)).as((a, b, c, d, e, f, g, h) -> new StateReport(a, b, c, c, d, e, f, g, h, false, false))
                .flatMap(r -> Combinators.combine(Arbitraries.integers(), Arbitraries.of(true, false),
                        Arbitraries.of(true, false)).as((stop, heard, recovering) ->
                        new StateReport(r.sender(), r.lastDecided(), r.regency(), stop, r.highestVoted(),
                                r.checkpointId(), r.checkpointBytes(), r.chunkDigests(), r.checkpointProof(), heard,
                                recovering)));
    }

    static Arbitrary<ChunkFetch> chunkFetches() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.integers().greaterOrEqual(0)).as(ChunkFetch::new);
    }

    static Arbitrary<Chunk> chunks() {
        return Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.integers().greaterOrEqual(0),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(Bytes::copyOf)).as(Chunk::new);
    }

    /** Every message type, with equal weight. */
    static Arbitrary<Message> messages() {
        return Arbitraries.oneOf(List.of(requests(), replies(), proposes(), writes(), accepts(), forwards(), stops(),
                stopDatas(), syncs(), decisionFetches(), decisionPushes(), stateQueries(), stateReports(),
                chunkFetches(), chunks(), refusals()));
    }

    /**
     * Messages whose encoding holds at least one length or count prefix: all but WRITE,
     * DECISION_FETCH, STATE_QUERY, CHUNK_FETCH and REFUSAL.
     */
    static Arbitrary<Message> messagesWithLengthFields() {
        return Arbitraries.oneOf(List.of(requests(), replies(), proposes(), accepts(), forwards(), stops(),
                stopDatas(), syncs(), decisionPushes(), stateReports(), chunks()));
    }

    /** Messages whose encoding holds a 0/1 flag byte: REPLY and STATE_REPORT (STOPDATA and SYNC carry counts instead). */
    static Arbitrary<Message> messagesWithPresenceFlags() {
        return Arbitraries.oneOf(List.of(replies(), stateReports()));
    }

    /** The message types that carry a signature: requests, ACCEPT and STOPDATA (a WRITE has none). */
    static Arbitrary<Message> signedMessages() {
        return Arbitraries.oneOf(requests(), accepts(), stopDatas());
    }

    /** The message types without a signature field of their own. */
    static Arbitrary<Message> unsignedMessages() {
        return Arbitraries.oneOf(List.of(replies(), proposes(), forwards(), stops(), syncs(), decisionFetches(),
                decisionPushes(), stateQueries(), stateReports(), chunkFetches(), chunks(), refusals()));
    }

    // ---- the layout, written out independently of the codec ---------------------------------

    /** Where the variable parts of one encoding are, and how long the encoding is. */
    static final class Layout {
        /** Offsets of 4-byte byte-string length prefixes. */
        final List<Integer> lengths = new ArrayList<>();
        /** Offsets of 4-byte list count prefixes. */
        final List<Integer> counts = new ArrayList<>();
        /** Offsets of 1-byte presence flags (0 absent, 1 present). */
        final List<Integer> presences = new ArrayList<>();
        private int size;

        int size() {
            return size;
        }

        /** Offsets of every length and count prefix. */
        List<Integer> lengthAndCountOffsets() {
            List<Integer> all = new ArrayList<>(lengths);
            all.addAll(counts);
            return all;
        }

        private void fixed(int bytes) {
            size += bytes;
        }

        private void byteString(Bytes b) {
            lengths.add(size);
            size += 4 + b.length();
        }

        private void count() {
            counts.add(size);
            size += 4;
        }

        private boolean presence(Object part) {
            presences.add(size);
            size += 1;
            return part != null;
        }

        private void request(Request r) {
            fixed(8 + 8 + 1 + 8); // clientId, sequence, kind, viewId
            byteString(r.operation());
            byteString(r.signature());
        }

        private void requests(List<Request> requests) {
            count();
            requests.forEach(this::request);
        }

        private void batch(Batch b) {
            fixed(8 + 8 + 4); // timestampMs, nonce, regency
            requests(b.requests());
            count(); // caught-up members
            fixed(4 * b.caughtUp().size());
        }

        private void vote(Bytes signature) {
            fixed(4 + 8 + 4 + Digest.LENGTH); // sender, consensusId, epoch, digest
            byteString(signature);
        }

        private void accepts(List<Accept> accepts) {
            count();
            accepts.forEach(a -> vote(a.signature()));
        }

        private void stopData(StopData d) {
            fixed(4 + 4 + 8); // sender, regency, lastDecided
            accepts(d.decisionProof());
            count();
            for (VoteHistory h : d.votes()) {
                fixed(8 + 4); // consensusId, acceptedEpoch
                if (h.accepted() != null) {
                    batch(h.accepted());
                }
                count();
                h.writes().forEach(w -> fixed(4 + Digest.LENGTH)); // epoch, digest
            }
            byteString(d.signature());
        }

        private void decision(Decision d) {
            fixed(8 + 4); // consensusId, epoch
            batch(d.batch());
            fixed(Digest.LENGTH);
            accepts(d.proof());
        }
    }

    /** The layout of the encoding of {@code message}, derived from the format, not the codec. */
    static Layout layout(Message message) {
        Layout l = new Layout();
        l.fixed(HEADER_BYTES);
        if (message instanceof Request r) {
            l.request(r);
        } else if (message instanceof Reply r) {
            l.fixed(4 + 8 + 8 + 1 + 8 + 4); // sender, clientId, sequence, kind, viewId, regency
            l.byteString(r.result());
            l.presence(r.digestOnly() ? r : null); // the digest-only flag is a 0/1 byte like a presence flag
        } else if (message instanceof Propose p) {
            l.fixed(PROPOSE_FIXED_BYTES);
            l.batch(p.batch());
        } else if (message instanceof Write) {
            l.fixed(4 + 8 + 4 + Digest.LENGTH); // sender, consensusId, epoch, digest: no signature
        } else if (message instanceof Accept a) {
            l.vote(a.signature());
        } else if (message instanceof Forward f) {
            l.fixed(4); // sender
            l.requests(f.requests());
        } else if (message instanceof Stop s) {
            l.fixed(4 + 4 + 8); // sender, regency, lastDecided
            l.requests(s.requests());
        } else if (message instanceof StopData d) {
            l.stopData(d);
        } else if (message instanceof Sync s) {
            l.fixed(4 + 4); // sender, regency
            l.count();
            s.proofs().forEach(l::stopData);
            l.count();
            s.chosen().forEach(b -> {
                l.fixed(8); // consensusId
                l.batch(b.value());
            });
        } else if (message instanceof DecisionFetch) {
            l.fixed(4 + 8); // sender, fromConsensusId
        } else if (message instanceof DecisionPush p) {
            l.fixed(4); // sender
            l.count();
            p.decisions().forEach(l::decision);
        } else if (message instanceof StateQuery) {
            l.fixed(4); // sender
        } else if (message instanceof StateReport r) {
            l.fixed(4 + 8 + 4 + 4 + 8 + 8 + 8); // sender, lastDecided, regency, stopTarget, highestVoted, checkpointId, checkpointBytes
            l.count();
            l.fixed(r.chunkDigests().size() * Digest.LENGTH);
            l.accepts(r.checkpointProof());
            l.presence(r.heardYourVotes() ? r : null); // the heardYourVotes flag is a 0/1 byte
            l.presence(r.recovering() ? r : null); // and so is the recovering flag
        } else if (message instanceof ChunkFetch) {
            l.fixed(4 + 8 + 4); // sender, checkpointId, index
        } else if (message instanceof Chunk c) {
            l.fixed(4 + 8 + 4); // sender, checkpointId, index
            l.byteString(c.data());
        } else if (message instanceof Refusal r) {
            l.fixed(4 + 8 + 8 + 1 + 8); // sender, clientId, sequence, reason, viewId
            l.byteString(r.view());
        } else {
            throw new AssertionError("unknown message " + message);
        }
        return l;
    }

    /** The encoded size of {@code message}, computed from the layout rather than by encoding. */
    static int encodedSize(Message message) {
        return layout(message).size();
    }

    static int batchSize(Batch batch) {
        Layout l = new Layout();
        l.batch(batch);
        return l.size();
    }

    /** Offsets of every 4-byte length or count prefix in the encoding of {@code message}. */
    static List<Integer> lengthFieldOffsets(Message message) {
        return layout(message).lengthAndCountOffsets();
    }

    /** Offsets of every presence flag in the encoding of {@code message}. */
    static List<Integer> presenceFlagOffsets(Message message) {
        return layout(message).presences;
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

    /** {@code message} with its signature replaced; only for signed message types. */
    static Message withSignature(Message message, Bytes signature) {
        if (message instanceof Request r) {
            return r.withSignature(signature);
        } else if (message instanceof Accept a) {
            return a.withSignature(signature);
        } else if (message instanceof StopData d) {
            return d.withSignature(signature);
        }
        throw new IllegalArgumentException("not a signed message: " + message);
    }

    /** The signature of a signed message. */
    static Bytes signatureOf(Message message) {
        if (message instanceof Request r) {
            return r.signature();
        } else if (message instanceof Accept a) {
            return a.signature();
        } else if (message instanceof StopData d) {
            return d.signature();
        }
        throw new IllegalArgumentException("not a signed message: " + message);
    }

    /** How many distinct single-field mutations {@link #mutateSignedField} knows for {@code message}. */
    static int signedFieldCount(Message message) {
        if (message instanceof Request) {
            return 5;
        } else if (message instanceof Accept) {
            return 4;
        } else if (message instanceof StopData) {
            return 7;
        }
        throw new IllegalArgumentException("not a signed message: " + message);
    }

    /**
     * A copy of a signed {@code message} that differs from it in exactly one field covered by
     * its signature (field number {@code which}, modulo {@link #signedFieldCount}), keeping its
     * signature.
     */
    static Message mutateSignedField(Message message, int which) {
        int field = Math.floorMod(which, signedFieldCount(message));
        if (message instanceof Request r) {
            switch (field) {
                case 0: return new Request(r.clientId() + 1, r.sequence(), r.kind(), r.viewId(), r.operation(), r.signature());
                case 1: return new Request(r.clientId(), r.sequence() == Long.MAX_VALUE ? 1 : r.sequence() + 1, r.kind(),
                        r.viewId(), r.operation(), r.signature());
                case 2: return new Request(r.clientId(), r.sequence(),
                        r.kind() == RequestKind.ORDERED ? RequestKind.UNORDERED : RequestKind.ORDERED,
                        r.viewId(), r.operation(), r.signature());
                case 3: return new Request(r.clientId(), r.sequence(), r.kind(), r.viewId() + 1, r.operation(), r.signature());
                default: return new Request(r.clientId(), r.sequence(), r.kind(), r.viewId(), changed(r.operation()),
                        r.signature());
            }
        } else if (message instanceof Accept a) {
            switch (field) {
                case 0: return new Accept(a.sender() + 1, a.consensusId(), a.epoch(), a.batchDigest(), a.signature());
                case 1: return new Accept(a.sender(), a.consensusId() + 1, a.epoch(), a.batchDigest(), a.signature());
                case 2: return new Accept(a.sender(), a.consensusId(), a.epoch() + 1, a.batchDigest(), a.signature());
                default: return new Accept(a.sender(), a.consensusId(), a.epoch(), changed(a.batchDigest()), a.signature());
            }
        } else {
            StopData d = (StopData) message;
            switch (field) {
                case 0: return new StopData(d.sender() + 1, d.regency(), d.lastDecided(), d.decisionProof(),
                        d.votes(), d.signature());
                case 1: return new StopData(d.sender(), d.regency() + 1, d.lastDecided(), d.decisionProof(),
                        d.votes(), d.signature());
                case 2: return new StopData(d.sender(), d.regency(), d.lastDecided() + 1, d.decisionProof(),
                        d.votes(), d.signature());
                case 3: {
                    // add an ACCEPT to the proof, or change the signature of the first one: the
                    // nested signatures are part of what the STOPDATA's signature covers
                    List<Accept> proof = new ArrayList<>(d.decisionProof());
                    if (proof.isEmpty()) {
                        proof.add(new Accept(0, 0, 0, new Digest(Bytes.copyOf(new byte[Digest.LENGTH]))));
                    } else {
                        proof.set(0, proof.get(0).withSignature(changed(proof.get(0).signature())));
                    }
                    return new StopData(d.sender(), d.regency(), d.lastDecided(), proof, d.votes(), d.signature());
                }
                case 4: {
                    List<VoteHistory> votes = d.votes().isEmpty() ? List.of(VoteHistory.none(0)) : List.of();
                    return new StopData(d.sender(), d.regency(), d.lastDecided(), d.decisionProof(), votes, d.signature());
                }
                case 5: {
                    List<VoteHistory> votes = new ArrayList<>(d.votes());
                    if (votes.isEmpty()) {
                        votes.add(new VoteHistory(1, 1, new Batch(1, 1, List.of()), List.of()));
                    } else {
                        VoteHistory h = votes.get(0);
                        votes.set(0, h.withAccept(h.acceptedEpoch() + 1,
                                h.accepted() == null ? new Batch(1, 1, List.of()) : h.accepted()));
                    }
                    return new StopData(d.sender(), d.regency(), d.lastDecided(), d.decisionProof(), votes, d.signature());
                }
                default: {
                    if (d.votes().isEmpty()) {
                        return new StopData(d.sender(), d.regency(), d.lastDecided() - 1, d.decisionProof(), List.of(),
                                d.signature());
                    }
                    List<VoteHistory> votes = new ArrayList<>(d.votes());
                    VoteHistory h = votes.get(0);
                    int epoch = h.writes().isEmpty() ? 0 : h.writes().get(0).epoch() + 1;
                    Digest digest = h.writes().isEmpty() ? new Digest(Bytes.copyOf(new byte[Digest.LENGTH]))
                            : h.writes().get(0).digest();
                    votes.set(0, h.withWrite(epoch, digest));
                    return new StopData(d.sender(), d.regency(), d.lastDecided(), d.decisionProof(), votes, d.signature());
                }
            }
        }
    }

    /** A different byte string: one byte flipped, or a single byte if it was empty. */
    static Bytes changed(Bytes b) {
        if (b.length() == 0) {
            return Bytes.copyOf(new byte[] {0});
        }
        byte[] copy = b.toArray();
        copy[0] ^= 0x01;
        return Bytes.copyOf(copy);
    }

    private static Digest changed(Digest d) {
        return new Digest(changed(d.value()));
    }
}
