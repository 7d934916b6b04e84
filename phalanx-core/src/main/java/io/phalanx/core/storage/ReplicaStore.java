package io.phalanx.core.storage;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Decision;
import io.phalanx.core.replica.HardState;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.Recovered;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * A replica's durable state over one {@link Storage}: the log (decisions with their proofs, and
 * every change of the hard state) and the checkpoints. The runtime and the simulator drive it
 * the same way: {@link #append} each step's output, {@link #sync} (once for many steps: group
 * commit), {@link #checkpoint} each checkpoint the execution layer takes. Not thread-safe.
 *
 * <p>Retention: once a checkpoint is durable and read back, the segments whose decisions it
 * covers are deleted, but for the last {@code decisionsKept} decisions before it. Every segment begins with the whole hard state (the record that opened it,
 * then a full copy), so the segments left replay the hard state without the deleted ones.
 */
public final class ReplicaStore implements Closeable {
    /** Proofs kept for checkpoints not yet stored: a checkpoint comes a little after its decision. */
    private static final int PENDING_PROOFS_MAX = 4;

    /**
     * What {@link #open} found: the store, positioned to append, what it recovered, and what it
     * repaired. {@code tailCut}: a torn last record was cut, so the hard state may lack a change
     * that was written but never synced; a replica that cannot tell whether a message left before
     * the cut treats its votes as unknown.
     */
    public record Opened(ReplicaStore store, Recovered recovered, List<String> repairs, boolean tailCut) {
    }

    private final SegmentedLog log;
    private final StoredCheckpoints checkpoints;
    private final LongPredicate checkpointAfter;
    private final int checkpointsRetain;
    /** Decisions kept in the log before the newest checkpoint, as the core keeps them in its decision log. */
    private final int decisionsKept;
    /** Per live segment, the highest decision in it (an upper bound for segments found at open). */
    private final TreeMap<Long, Long> segmentMaxDecided = new TreeMap<>();
    private final TreeMap<Long, List<Accept>> pendingProofs = new TreeMap<>();
    private HardState persisted;
    private long lastCheckpoint;

    private ReplicaStore(SegmentedLog log, StoredCheckpoints checkpoints, LongPredicate checkpointAfter,
                         int checkpointsRetain, int decisionsKept, HardState persisted, long lastCheckpoint) {
        this.log = log;
        this.decisionsKept = decisionsKept;
        this.checkpoints = checkpoints;
        this.checkpointAfter = checkpointAfter;
        this.checkpointsRetain = checkpointsRetain;
        this.persisted = persisted;
        this.lastCheckpoint = lastCheckpoint;
    }

    /**
     * Opens the store in {@code storage}: reads the latest intact checkpoint and replays the log
     * after it. A torn last record is cut (and listed in the repairs); anything else corrupt throws.
     *
     * @param recordBytesMax  largest record the log accepts (a decision of a full batch with its proof)
     * @param checkpointAfter whether a checkpoint follows a decision (its proof is kept until then)
     * @param decisionsKept   decisions to keep in the log before the newest checkpoint (the core's
     *                        {@code decisionLogMax}): a replica restarted from its disk can still
     *                        hand them to peers behind the checkpoint
     */
    public static Opened open(Storage storage, long segmentBytesMax, int recordBytesMax, LongPredicate checkpointAfter,
                              int checkpointsRetain, int decisionsKept)
            throws IOException, CorruptLogException {
        StoredCheckpoints checkpoints = new StoredCheckpoints(storage);
        List<String> repairs = new ArrayList<>();
        Checkpoint checkpoint = null;
        List<Accept> proof = List.of();
        StoredCheckpoints.Latest latest = checkpoints.latest();
        latest.damaged().forEach(damaged -> repairs.add("checkpoint file " + damaged.fileName() + " is damaged ("
                + damaged.reason() + "): an older one is used"));
        if (latest.checkpoint().isPresent()) {
            StoredCheckpoints.Checkpoint stored = latest.checkpoint().get();
            try {
                proof = MessageCodec.decodeStoredCheckpointProof(stored.content());
                checkpoint = MessageCodec.decodeCheckpoint(MessageCodec.decodeStoredCheckpointBytes(stored.content()));
            } catch (CodecException e) {
                throw new IOException("checkpoint " + stored.consensusId() + " passed its checksum but cannot be read: "
                        + e.getMessage(), e);
            }
        }
        SegmentedLog.Opened opened = SegmentedLog.open(storage, segmentBytesMax, recordBytesMax);
        opened.tornTail().ifPresent(torn -> repairs.add("cut a torn write at the end of the log: " + torn.bytesCut()
                + " bytes at offset " + torn.offset() + " of " + torn.fileName() + " (" + torn.reason() + ")"));
        LogReplay replay = new LogReplay(checkpoint, proof, decisionsKept);
        TreeMap<Long, Long> segmentMaxDecided = new TreeMap<>();
        for (SegmentedLog.Entry entry : opened.entries()) {
            LogRecord record;
            try {
                record = MessageCodec.decodeLogRecord(entry.payload());
            } catch (CodecException e) {
                throw new IOException("the log record at " + entry.position() + " passed its checksum but cannot be read: "
                        + e.getMessage(), e);
            }
            String gap = replay.apply(record);
            if (gap != null) {
                // Decisions are missing in the middle (a newer checkpoint that covered them was found damaged).
                SegmentedLog.Position at = entry.position();
                throw new CorruptLogException(SegmentedLog.segmentName(at.segmentIndex()), at.offset(), gap, at);
            }
            long decided = record instanceof LogRecord.Decided d ? d.decision().consensusId() : -1;
            segmentMaxDecided.merge(entry.position().segmentIndex(), decided, Math::max);
        }
        Recovered recovered = replay.recovered();
        ReplicaStore store = new ReplicaStore(opened.log(), checkpoints, checkpointAfter, checkpointsRetain, decisionsKept,
                recovered.hardState(), checkpoint == null ? -1 : checkpoint.consensusId());
        store.segmentMaxDecided.putAll(segmentMaxDecided);
        return new Opened(store, recovered, repairs, opened.tornTail().isPresent());
    }

    /**
     * Logs what a step made durable-to-be: a checkpoint state transfer installed (stored at once,
     * before the decisions that follow it), the changed hard state, the decisions. Not synced.
     */
    public void append(Output output) throws IOException {
        if (output.restore().isPresent()) {
            Output.Restore restore = output.restore().get();
            storeCheckpoint(restore.checkpoint().consensusId(), MessageCodec.encodeCheckpoint(restore.checkpoint()),
                    restore.proof());
        }
        if (output.hardState().isPresent()) {
            HardState changed = output.hardState().get();
            LogRecord.Voted change = LogReplay.change(persisted, changed);
            persisted = changed; // first: a new segment opened by this record copies the new hard state
            append(change, -1);
        }
        for (Decision decision : output.decisions()) {
            append(new LogRecord.Decided(decision), decision.consensusId());
            if (checkpointAfter.test(decision.consensusId())) {
                pendingProofs.put(decision.consensusId(), decision.proof());
                while (pendingProofs.size() > PENDING_PROOFS_MAX) {
                    pendingProofs.pollFirstEntry();
                }
            }
        }
    }

    private void append(LogRecord record, long decided) throws IOException {
        long segmentBefore = log.segmentIndex();
        SegmentedLog.Position at = log.append(MessageCodec.encodeLogRecord(record));
        segmentMaxDecided.merge(at.segmentIndex(), decided, Math::max);
        if (at.segmentIndex() != segmentBefore) {
            // A new segment: copy the whole hard state into it, so it replays without the older ones.
            log.append(MessageCodec.encodeLogRecord(LogReplay.change(HardState.INITIAL, persisted)));
        }
    }

    /** Makes everything appended so far durable: one fsync for all of it. */
    public void sync() throws IOException {
        log.sync();
    }

    /**
     * Stores the checkpoint the execution layer took after decision {@code consensusId}, if this
     * store logged that decision (it holds its proof), then drops the log segments it covers;
     * false if it could not be stored for want of the proof.
     */
    public boolean checkpoint(long consensusId, Bytes encodedCheckpoint) throws IOException {
        List<Accept> proof = pendingProofs.remove(consensusId);
        if (proof == null) {
            return false;
        }
        storeCheckpoint(consensusId, encodedCheckpoint, proof);
        return true;
    }

    private void storeCheckpoint(long consensusId, Bytes encodedCheckpoint, List<Accept> proof) throws IOException {
        if (consensusId <= lastCheckpoint) {
            return;
        }
        log.sync(); // the decisions up to it are on disk before the segments that hold them can go
        checkpoints.write(consensusId, MessageCodec.encodeStoredCheckpoint(encodedCheckpoint, proof));
        checkpoints.retain(checkpointsRetain);
        lastCheckpoint = consensusId;
        pendingProofs.headMap(consensusId, true).clear();
        long keepFrom = log.segmentIndex();
        long keepDecisionsFrom = consensusId - decisionsKept; // a decision log's worth before the checkpoint stays
        for (Map.Entry<Long, Long> segment : segmentMaxDecided.entrySet()) {
            if (segment.getValue() > keepDecisionsFrom) {
                keepFrom = Math.min(keepFrom, segment.getKey());
                break;
            }
        }
        if (!segmentMaxDecided.isEmpty() && keepFrom > segmentMaxDecided.firstKey()) {
            log.deleteSegmentsBefore(keepFrom);
            segmentMaxDecided.headMap(keepFrom).clear();
        }
    }

    /** The newest checkpoint stored, -1 if none. */
    public long lastCheckpoint() {
        return lastCheckpoint;
    }

    /** Bytes the log occupies on disk. */
    public long logBytes() {
        return log.bytes();
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
