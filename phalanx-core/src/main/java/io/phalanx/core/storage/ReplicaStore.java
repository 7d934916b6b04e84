package io.phalanx.core.storage;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.HardState;
import io.phalanx.core.replica.ImageStore;
import io.phalanx.core.replica.Output;
import io.phalanx.core.replica.Recovered;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

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
     *
     * @param store     the open store
     * @param recovered the checkpoint, decisions and hard state read back
     * @param repairs   what was repaired or passed over, one sentence each, for the operator's log
     * @param tailCut   whether a torn last record was cut
     */
    public record Opened(ReplicaStore store, Recovered recovered, List<String> repairs, boolean tailCut) {
    }

    private final SegmentedLog log;
    private final StoredCheckpoints checkpoints;
    private final StoredImages images;
    private final Predicate<Decision> checkpointAfter;
    private final int checkpointsRetain;
    /** Decisions kept in the log before the newest checkpoint, as the core keeps them in its decision log. */
    private final int decisionsKept;
    /**
     * Per undecided instance whose accepted batch this store logged since it was opened, the
     * segment of the latest record holding it (see {@link #appendDecision}).
     */
    private final TreeMap<Long, Long> acceptedIn = new TreeMap<>();
    /** Per live segment, the highest decision in it (an upper bound for segments found at open). */
    private final TreeMap<Long, Long> segmentMaxDecided = new TreeMap<>();
    private final TreeMap<Long, List<Accept>> pendingProofs = new TreeMap<>();
    private HardState persisted;
    private long lastCheckpoint;

    private ReplicaStore(SegmentedLog log, StoredCheckpoints checkpoints, StoredImages images, Predicate<Decision> checkpointAfter,
                         int checkpointsRetain, int decisionsKept, HardState persisted, long lastCheckpoint) {
        this.log = log;
        this.images = images;
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
     * @param storage           the directory holding the log and the checkpoints
     * @param segmentBytesMax   size at which the log starts a new segment
     * @param recordBytesMax    largest record the log accepts (a decision of a full batch with its proof)
     * @param checkpointAfter   whether a checkpoint follows a decision (its proof is kept until then)
     * @param checkpointsRetain how many stored checkpoints to keep, the newest
     * @param decisionsKept     decisions to keep in the log before the newest checkpoint (the core's
     *                          {@code decisionLogMax}): a replica restarted from its disk can still
     *                          hand them to peers behind the checkpoint
     * @return the store, what it recovered, and what it repaired
     * @throws IOException if the storage fails or a record that passed its checksum cannot be decoded
     * @throws CorruptLogException if the log is damaged other than by a torn tail, or decisions are
     *                             missing between the checkpoint and the log
     */
    public static Opened open(Storage storage, long segmentBytesMax, int recordBytesMax, Predicate<Decision> checkpointAfter,
                              int checkpointsRetain, int decisionsKept)
            throws IOException, CorruptLogException {
        StoredCheckpoints checkpoints = new StoredCheckpoints(storage);
        StoredImages images = new StoredImages(storage);
        List<String> repairs = new ArrayList<>();
        CheckpointImage[] found = new CheckpointImage[1];
        List<List<Accept>> foundProof = new ArrayList<>(List.of(List.of()));
        StoredCheckpoints.Latest latest = checkpoints.latest(stored -> {
            CheckpointManifest manifest;
            try {
                manifest = MessageCodec.decodeCheckpointManifest(stored.content());
            } catch (CodecException e) {
                return "its manifest passed its checksum but cannot be read: " + e.getMessage();
            }
            String problem = imageProblem(images, manifest, storage);
            if (problem == null) {
                found[0] = new CheckpointImage(manifest.consensusId(), manifest.imageBytes(), manifest.chunkBytes(),
                        manifest.chunkDigests(), images.data(manifest.consensusId(), manifest.imageBytes()));
                foundProof.set(0, manifest.proof());
            }
            return problem;
        });
        latest.damaged().forEach(damaged -> repairs.add("checkpoint file " + damaged.fileName() + " is damaged ("
                + damaged.reason() + "): an older one is used"));
        CheckpointImage checkpoint = latest.checkpoint().isPresent() ? found[0] : null;
        List<Accept> proof = latest.checkpoint().isPresent() ? foundProof.get(0) : List.of();
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
            long decided = record instanceof LogRecord.Decided d ? d.decision().consensusId()
                    : record instanceof LogRecord.DecidedAsAccepted d ? d.consensusId() : -1;
            segmentMaxDecided.merge(entry.position().segmentIndex(), decided, Math::max);
        }
        Recovered recovered = replay.recovered();
        ReplicaStore store = new ReplicaStore(opened.log(), checkpoints, images, checkpointAfter, checkpointsRetain, decisionsKept,
                recovered.hardState(), checkpoint == null ? -1 : checkpoint.consensusId());
        if (checkpoint != null) {
            store.deleteUnusedImages(checkpoint.consensusId());
        }
        store.segmentMaxDecided.putAll(segmentMaxDecided);
        return new Opened(store, recovered, repairs, opened.tornTail().isPresent());
    }

    /**
     * Logs what a step made durable-to-be: a checkpoint state transfer installed (stored at once,
     * before the decisions that follow it), the changed hard state, the decisions. Not synced.
     *
     * @param output the step's output
     * @throws IOException if the storage fails; a log that failed refuses further use
     */
    public void append(Output output) throws IOException {
        if (output.restore().isPresent()) {
            Output.Restore restore = output.restore().get();
            storeCheckpoint(restore.checkpoint(), restore.proof());
        }
        HardState before = persisted;
        if (output.hardState().isPresent()) {
            HardState changed = output.hardState().get();
            LogRecord.Voted change = LogReplay.change(persisted, changed);
            persisted = changed; // first: a new segment opened by this record copies the new hard state
            append(change, -1);
        }
        for (Decision decision : output.decisions()) {
            appendDecision(decision, before.votes().get(decision.consensusId()));
            if (checkpointAfter.test(decision)) {
                pendingProofs.put(decision.consensusId(), decision.proof());
                while (pendingProofs.size() > PENDING_PROOFS_MAX) {
                    pendingProofs.pollFirstEntry();
                }
            }
        }
    }

    /**
     * Logs {@code decision}. If its batch is the one this replica accepted ({@code mine}, the vote
     * history the log holds for it), and that vote's record is in the segment the decision goes
     * to, the decision names the batch by digest instead of writing it again: the segment then
     * replays on its own, whatever older segments retention deleted.
     */
    private void appendDecision(Decision decision, VoteHistory mine) throws IOException {
        long consensusId = decision.consensusId();
        Long segment = acceptedIn.get(consensusId);
        acceptedIn.headMap(consensusId, true).clear();
        if (mine != null && mine.accepted() != null && segment != null && segment == log.segmentIndex()
                && (mine.accepted() == decision.batch() || mine.accepted().equals(decision.batch()))) {
            byte[] named = MessageCodec.encodeLogRecord(new LogRecord.DecidedAsAccepted(consensusId, decision.epoch(),
                    decision.digest(), decision.proof()));
            if (log.fitsInSegment(named.length)) {
                SegmentedLog.Position at = log.append(named);
                segmentMaxDecided.merge(at.segmentIndex(), consensusId, Math::max);
                return;
            }
        }
        append(new LogRecord.Decided(decision), consensusId);
    }

    private void append(LogRecord record, long decided) throws IOException {
        long segmentBefore = log.segmentIndex();
        SegmentedLog.Position at = log.append(MessageCodec.encodeLogRecord(record));
        segmentMaxDecided.merge(at.segmentIndex(), decided, Math::max);
        noteAccepted(record, at.segmentIndex());
        if (at.segmentIndex() != segmentBefore) {
            // A new segment: copy the whole hard state into it, so it replays without the older ones.
            LogRecord.Voted copy = LogReplay.change(HardState.INITIAL, persisted);
            noteAccepted(copy, log.append(MessageCodec.encodeLogRecord(copy)).segmentIndex());
        }
    }

    /** Notes in which segment the accepted batches of {@code record}'s vote histories are. */
    private void noteAccepted(LogRecord record, long segment) {
        if (record instanceof LogRecord.Voted voted) {
            for (VoteHistory history : voted.votes()) {
                if (history.accepted() != null) {
                    acceptedIn.put(history.consensusId(), segment);
                }
            }
        }
    }

    /**
     * Makes everything appended so far durable: one fsync for all of it.
     *
     * @throws IOException if the fsync fails; the log then refuses further use
     */
    public void sync() throws IOException {
        log.sync();
    }

    /**
     * Stores the checkpoint the execution layer took, if this store logged its last decision (it
     * holds its proof), then drops the log segments it covers.
     *
     * @param image the checkpoint's image
     * @return false if it could not be stored for want of the proof
     * @throws IOException if the storage fails
     */
    public boolean checkpoint(CheckpointImage image) throws IOException {
        List<Accept> proof = pendingProofs.remove(image.consensusId());
        if (proof == null) {
            return false;
        }
        storeCheckpoint(image, proof);
        return true;
    }

    /**
     * The store's image files: where the execution layer and state transfer write checkpoint images.
     *
     * @return the image files in this store's storage
     */
    public StoredImages images() {
        return images;
    }

    /**
     * Makes {@code image} a stored checkpoint: copies it into this storage unless it is there
     * already (an image in memory), writes its manifest, and applies retention.
     */
    private void storeCheckpoint(CheckpointImage image, List<Accept> proof) throws IOException {
        long consensusId = image.consensusId();
        if (consensusId <= lastCheckpoint) {
            return;
        }
        if (!images.holds(image.data())) {
            try (ImageStore.Target target = images.open(consensusId)) {
                target.truncate(0);
                for (int i = 0; i < image.chunkCount(); i++) {
                    byte[] chunk = image.chunk(i).toArray();
                    target.write(chunk, 0, chunk.length);
                }
                target.sync();
            }
        }
        log.sync(); // the decisions up to it are on disk before the segments that hold them can go
        checkpoints.write(consensusId, MessageCodec.encodeCheckpointManifest(new CheckpointManifest(consensusId,
                image.length(), image.chunkBytes(), image.chunkDigests(), proof)));
        checkpoints.retain(checkpointsRetain);
        deleteUnusedImages(consensusId);
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

    /**
     * Deletes the images older than {@code newest} that no retained checkpoint names (retired
     * checkpoints, transfers abandoned for a newer one); images newer than it are being written.
     */
    private void deleteUnusedImages(long newest) throws IOException {
        List<Long> kept = checkpoints.consensusIds();
        boolean deleted = false;
        for (long id : images.consensusIds()) {
            if (id < newest && !kept.contains(id)) {
                images.delete(id);
                deleted = true;
            }
        }
        if (deleted) {
            images.syncDirectory();
        }
    }

    /** Null if the image a manifest names is on disk, of its size, every chunk matching its digest; else what is wrong. */
    private static String imageProblem(StoredImages images, CheckpointManifest manifest, Storage storage) throws IOException {
        String name = StoredImages.fileName(manifest.consensusId());
        if (!storage.list().contains(name)) {
            return "its image " + name + " is missing";
        }
        CheckpointImage image;
        try {
            image = new CheckpointImage(manifest.consensusId(), manifest.imageBytes(), manifest.chunkBytes(),
                    manifest.chunkDigests(), images.data(manifest.consensusId(), manifest.imageBytes()));
        } catch (IllegalArgumentException e) {
            return "its manifest is inconsistent: " + e.getMessage();
        }
        try {
            for (int i = 0; i < image.chunkCount(); i++) {
                if (!image.chunkIntact(i)) {
                    return "chunk " + i + " of its image " + name + " (bytes from " + (long) i * manifest.chunkBytes()
                            + ") does not match its digest";
                }
            }
            image.header();
        } catch (java.io.EOFException e) {
            return "its image " + name + " is shorter than " + manifest.imageBytes() + " bytes";
        } catch (CodecException e) {
            return "its image's header cannot be read: " + e.getMessage();
        }
        return null;
    }

    /**
     * The newest checkpoint stored.
     *
     * @return its consensus id, -1 if none
     */
    public long lastCheckpoint() {
        return lastCheckpoint;
    }

    /**
     * The log's size.
     *
     * @return bytes the log occupies on disk
     */
    public long logBytes() {
        return log.bytes();
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
