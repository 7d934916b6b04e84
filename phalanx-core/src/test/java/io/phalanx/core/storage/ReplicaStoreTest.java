package io.phalanx.core.storage;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.HardState;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.Recovered;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica's store over many small segments, checkpoints and retention: reopened at any point,
 * it gives back the hard state as the last step left it, the decisions after the newest
 * checkpoint, and the decision log's worth before it, although the segments that first recorded
 * most of it are gone.
 */
class ReplicaStoreTest {
    private static final io.phalanx.core.view.ViewHistory VIEWS =
            io.phalanx.core.view.ViewHistory.of(io.phalanx.core.view.View.of(0, 4, 1, io.phalanx.core.view.Mode.BFT));

    private static final int DECISIONS_KEPT = 6;

    private static ReplicaStore.Opened open(MemoryStorage disk) throws Exception {
        return ReplicaStore.open(disk, 2_048, 1 << 20, d -> (d.consensusId() + 1) % 4 == 0, 2, DECISIONS_KEPT);
    }

    private static Decision decision(long cid, int epoch) {
        Batch batch = new Batch(1_000 + cid, cid, List.of(new Request(7, cid + 1, RequestKind.ORDERED, 0,
                Bytes.utf8("operation " + cid + " " + "x".repeat(200)))));
        Digest digest = Digests.ofBatch(batch);
        return new Decision(cid, epoch, batch, digest, List.of(new Accept(0, cid, epoch, digest, Bytes.EMPTY)));
    }

    private static Output output(HardState hard, Decision decision) {
        return new Output(Optional.of(hard), Optional.empty(), List.of(), decision == null ? List.of() : List.of(decision),
                List.of(), List.of(), List.of(), Output.NEVER);
    }

    private static CheckpointImage checkpoint(long cid) {
        return CheckpointImage.of(new Checkpoint(cid, 1_000 + cid, List.of(), List.of(), List.of(), VIEWS),
                Bytes.utf8("state after " + cid), 16);
    }

    /** The SYNC of regency 3, and a vote in an instance far ahead: both set once, and kept by every later step. */
    private static final io.phalanx.core.message.Sync SYNC = new io.phalanx.core.message.Sync(3, 3, List.of(), List.of());
    private static final VoteHistory OLD_VOTE = VoteHistory.none(1_000).withWrite(3, decision(1_000, 3).digest());

    /** The hard state after step {@code cid}: the SYNC, the old vote, and a write and an accept in the next instance. */
    private static HardState hardState(long cid) {
        Decision next = decision(cid + 1, 3);
        TreeMap<Long, VoteHistory> votes = new TreeMap<>();
        votes.put(cid + 1, VoteHistory.none(cid + 1).withWrite(3, next.digest()).withAccept(3, next.batch()));
        votes.put(1_000L, OLD_VOTE);
        return new HardState(3, 3 + (cid % 3 == 0 ? 1 : 0), SYNC, votes);
    }

    @Test
    void reopenedAfterEveryStepItGivesBackWhatTheStepsLeft() throws Exception {
        MemoryStorage disk = new MemoryStorage();
        ReplicaStore store = open(disk).store();
        for (long cid = 0; cid < 40; cid++) {
            store.append(output(hardState(cid), decision(cid, 3)));
            store.sync();
            if ((cid + 1) % 4 == 0) {
                assertThat(store.checkpoint(checkpoint(cid))).isTrue();
            }
            Recovered recovered = open(disk).recovered();
            long newest = (cid + 1) / 4 * 4 - 1; // the newest checkpoint stored so far, -1 if none
            assertThat(recovered.lastDecided()).as("after step %d", cid).isEqualTo(cid);
            assertThat(recovered.hardState().regency()).isEqualTo(hardState(cid).regency());
            assertThat(recovered.hardState().stopTarget()).isEqualTo(hardState(cid).stopTarget());
            assertThat(recovered.hardState().votes()).containsOnlyKeys(cid + 1, 1_000L);
            assertThat(recovered.hardState().votes().get(cid + 1)).isEqualTo(hardState(cid).votes().get(cid + 1));
            assertThat(recovered.hardState().votes().get(1_000L)).isEqualTo(OLD_VOTE);
            assertThat(recovered.hardState().sync()).isEqualTo(SYNC);
            if (newest >= 0) {
                assertThat(recovered.checkpoint().consensusId()).isEqualTo(newest);
                assertThat(recovered.decisions()).extracting(Decision::consensusId)
                        .containsExactlyElementsOf(range(newest + 1, cid));
                assertThat(recovered.covered()).extracting(Decision::consensusId)
                        .containsExactlyElementsOf(range(Math.max(0, newest - DECISIONS_KEPT + 1), newest));
            }
        }
        // Retention deleted the early segments: the full copy of the hard state at the start of
        // each segment is what let the checks above pass.
        assertThat(disk.list()).noneMatch(name -> name.equals(SegmentedLog.segmentName(1)));
        assertThat(disk.list().stream().filter(name -> name.endsWith(".ckpt"))).hasSize(2);
        assertThat(disk.list().stream().filter(name -> name.endsWith(".img"))).hasSize(2);
    }

    /**
     * A decision of the batch this replica accepted is logged by digest, the batch being in the
     * vote's record already: the log holds each batch once, and reads back the same decisions.
     */
    @Test
    void aDecisionOfTheAcceptedBatchIsLoggedOnceByDigestAndReadBackWhole() throws Exception {
        MemoryStorage named = new MemoryStorage();
        MemoryStorage whole = new MemoryStorage();
        ReplicaStore byDigest = ReplicaStore.open(named, 1 << 20, 1 << 20, d -> false, 2, DECISIONS_KEPT).store();
        ReplicaStore byBatch = ReplicaStore.open(whole, 1 << 20, 1 << 20, d -> false, 2, DECISIONS_KEPT).store();
        byDigest.append(output(hardState(-1), null));
        byBatch.append(output(hardState(-1), null));
        for (long cid = 0; cid < 20; cid++) {
            byDigest.append(output(hardState(cid), decision(cid, 3))); // decides the batch accepted in the step before
            // The same size of batch, but not the one accepted (another nonce): written whole.
            Decision accepted = decision(cid, 3);
            Batch other = new Batch(accepted.batch().timestampMs(), accepted.batch().nonce() + 1, accepted.batch().requests());
            byBatch.append(output(hardState(cid), new Decision(cid, 3, other, Digests.ofBatch(other), accepted.proof())));
        }
        byDigest.sync();
        byBatch.sync();

        Recovered recovered = ReplicaStore.open(named, 1 << 20, 1 << 20, d -> false, 2, DECISIONS_KEPT).recovered();
        assertThat(recovered.decisions()).hasSize(20);
        for (Decision decision : recovered.decisions()) {
            assertThat(decision).isEqualTo(decision(decision.consensusId(), 3));
        }
        // Each decision of the other log carries its batch of some 230 bytes.
        assertThat(named.read(SegmentedLog.segmentName(1)).length)
                .isLessThan(whole.read(SegmentedLog.segmentName(1)).length - 20 * 200);
        assertThat(ReplicaStore.open(whole, 1 << 20, 1 << 20, d -> false, 2, DECISIONS_KEPT).recovered().decisions())
                .hasSize(20);
    }

    @Test
    void aHardStateChangeThatOpensASegmentIsNotUndoneByTheCopyOfTheStateBeforeIt() throws Exception {
        MemoryStorage disk = new MemoryStorage();
        ReplicaStore store = open(disk).store();
        for (long cid = 0; cid < 4; cid++) {
            store.append(output(hardState(0), decision(cid, 3)));
        }
        // Steps that only change the regency, many of them opening a segment: after each, the log
        // must say the regency that step installed, not the one before it.
        for (int regency = 4; regency < 200; regency++) {
            store.append(output(new HardState(regency, regency, null, new TreeMap<>()), null));
            store.sync();
            assertThat(open(disk).recovered().hardState().regency()).as("after installing %d", regency).isEqualTo(regency);
        }
        assertThat(disk.list().stream().filter(name -> name.endsWith(".seg")).count()).isGreaterThan(2);
    }

    private static List<Long> range(long from, long to) {
        return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void aCheckpointWhoseImageIsDamagedIsPassedOverForTheOneBefore() throws Exception {
        MemoryStorage disk = new MemoryStorage();
        ReplicaStore store = open(disk).store();
        for (long cid = 0; cid < 8; cid++) {
            store.append(output(hardState(cid), decision(cid, 3)));
            store.sync();
            if ((cid + 1) % 4 == 0) {
                assertThat(store.checkpoint(checkpoint(cid))).isTrue();
            }
        }
        String image = StoredImages.fileName(7);
        byte[] damaged = disk.read(image);
        damaged[damaged.length - 1] ^= 0x20; // in the service's state, past the header
        disk.put(image, damaged);

        ReplicaStore.Opened reopened = open(disk);

        assertThat(reopened.recovered().checkpoint().consensusId()).isEqualTo(3);
        assertThat(reopened.recovered().lastDecided()).isEqualTo(7); // the log still holds 4..7
        assertThat(reopened.repairs()).anySatisfy(repair -> assertThat(repair)
                .contains("checkpoint-00000000000000000007.ckpt").contains("does not match its digest"));
    }

    @Test
    void aStoredImageStreamsItsServiceStateBackInChunks() throws Exception {
        MemoryStorage disk = new MemoryStorage();
        StoredImages images = new StoredImages(disk);
        byte[] state = new byte[100_000];
        new java.util.Random(7).nextBytes(state);
        io.phalanx.core.replica.ImageWriter writer = new io.phalanx.core.replica.ImageWriter(5, 4_096, images.open(5));
        writer.write(MessageCodec.encodeCheckpointHeader(new Checkpoint(5, 9, List.of(), List.of(), List.of(), VIEWS)));
        for (int offset = 0; offset < state.length; offset += 777) {
            writer.write(state, offset, Math.min(777, state.length - offset)); // writes that straddle chunks
        }
        CheckpointImage written = writer.finish();

        CheckpointImage read = new CheckpointImage(5, written.length(), 4_096, written.chunkDigests(),
                images.data(5, written.length()));

        assertThat(read.digest()).isEqualTo(CheckpointImage.of(new Checkpoint(5, 9, List.of(), List.of(), List.of(), VIEWS),
                Bytes.copyOf(state), 4_096).digest());
        assertThat(read.header().agreedTimestampMs()).isEqualTo(9);
        try (java.io.InputStream in = read.serviceState()) {
            assertThat(in.readAllBytes()).isEqualTo(state);
        }
        for (int i = 0; i < read.chunkCount(); i++) {
            assertThat(read.chunkIntact(i)).isTrue();
        }
    }
}
