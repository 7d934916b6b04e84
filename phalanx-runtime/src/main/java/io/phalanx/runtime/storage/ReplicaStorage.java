package io.phalanx.runtime.storage;

import io.phalanx.core.replica.ImageStore;
import io.phalanx.core.replica.Recovered;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.replica.ReplicaCore;
import io.phalanx.core.storage.CorruptLogException;
import io.phalanx.core.storage.ReplicaStore;
import io.phalanx.core.storage.ScratchImages;
import io.phalanx.core.storage.SegmentedLog;
import io.phalanx.runtime.config.Durability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens what a replica keeps in its data directory and decides how its core starts:
 *
 * <ul>
 *   <li>an empty directory: {@link ReplicaCore.Start#FIRST_START} (its peers tell whether it lost
 *       a disk);</li>
 *   <li>a log written entirely under durability {@code sync}, intact or with a torn tail cut:
 *       {@link ReplicaCore.Start#RESTORED}, with its checkpoint, decisions and hard state: it votes
 *       at once. A torn tail is a write that never completed, so it was never synced, and under
 *       {@code sync} no message that showed its records left (a PROPOSE may have: a restored
 *       leader proposes nothing new in its regency). This is what lets a whole cluster that lost
 *       power, every log torn, start again: replicas that recover need a quorum that does not;</li>
 *   <li>anything else it ran in before ({@code none}, {@code async}, a changed mode, a repaired
 *       log): {@link ReplicaCore.Start#RECOVERING}, from the decisions it kept.</li>
 * </ul>
 *
 * <p>What this cannot tell apart: a write misdirected onto the last record by the disk looks like
 * a torn one, and a log cut behind the replica's back at a record boundary looks intact. A
 * directory restored from a backup is marked by the operator instead (durability {@code none},
 * docs/OPERATIONS.md).
 *
 * <p>A torn last record is cut and logged. A record damaged anywhere else stops the start with a
 * message naming the file and offset, unless the operator asked to repair from peers: then the
 * log is cut at the damage and the replica recovers the rest from its peers.
 */
public final class ReplicaStorage {
    private static final Logger log = LoggerFactory.getLogger(ReplicaStorage.class);
    /**
     * Largest log record read back: far above any record written (a decision of a full batch
     * with its proof, or a hard state with a SYNC), so only a damaged length exceeds it.
     */
    private static final int RECORD_BYTES_MAX = 1 << 30;

    /**
     * How the core starts, from what, the store to keep logging to (null with durability none),
     * and where checkpoint images go.
     *
     * @param start     how the core starts
     * @param recovered the checkpoint, decisions and hard state read back
     * @param store     the store to keep logging to, or null with durability none
     * @param images    the store's image files; with durability none, files in
     *                  {@value #SCRATCH_IMAGES} of the data directory that no restart reads
     */
    public record Opened(ReplicaCore.Start start, Recovered recovered, ReplicaStore store, ImageStore images) {
    }

    /**
     * The subdirectory of the data directory that holds checkpoint images under durability none,
     * emptied at every start: a state larger than memory is checkpointed, served and received
     * there rather than in the heap.
     */
    public static final String SCRATCH_IMAGES = "images";

    private ReplicaStorage() {
    }

    /**
     * Opens replica {@code config.replicaId()}'s data directory and decides how its core starts
     * (see the class comment).
     *
     * @param dir             the data directory
     * @param config          the replica's limits (its id, decision log and checkpoint period)
     * @param durability      the durability section in force for this run
     * @param repairFromPeers cut a damaged log at the damage instead of refusing to start
     * @return how the core starts, what was recovered, and the store
     * @throws IOException if the directory cannot be used, or its log is damaged and no repair was asked for
     */
    public static Opened open(Path dir, ReplicaConfig config, Durability durability, boolean repairFromPeers)
            throws IOException {
        ReplicaCore.Start start = DataDirectory.open(dir, config.replicaId());
        String previous = DataDirectory.readDurability(dir);
        String mode = durability.mode().name().toLowerCase(Locale.ROOT);
        if (durability.mode() == Durability.Mode.NONE) {
            DataDirectory.writeDurability(dir, mode);
            ImageStore images = new ScratchImages(FileStorage.open(dir.resolve(SCRATCH_IMAGES)),
                    ReplicaCore.CHECKPOINTS_SERVED);
            return new Opened(start, Recovered.NOTHING, null, images);
        }
        FileStorage storage = FileStorage.open(dir);
        boolean repaired = false;
        ReplicaStore.Opened opened;
        try {
            opened = openStore(storage, config, durability);
        } catch (CorruptLogException e) {
            if (!repairFromPeers || e.position().isEmpty()) {
                throw new IOException("replica " + config.replicaId() + " cannot start from its data directory " + dir
                        + ": " + e.getMessage() + (e.position().isEmpty() ? " (not a log segment: look at it by hand)"
                        : ". Start it with --repair-from-peers to drop the log from there on and fetch the rest from"
                        + " its peers"), e);
            }
            log.warn("replica {}: {}: dropping the log from there on and recovering the rest from its peers",
                    config.replicaId(), e.getMessage());
            deleteFrom(storage, e.position().get());
            repaired = true;
            try {
                opened = openStore(storage, config, durability);
            } catch (CorruptLogException again) {
                throw new IOException("replica " + config.replicaId() + ": the log is still damaged after the repair: "
                        + again.getMessage(), again);
            }
        }
        opened.repairs().forEach(repair -> log.warn("replica {}: {}", config.replicaId(), repair));
        if (start == ReplicaCore.Start.RECOVERING && !repaired && previous.equals("sync")
                && durability.mode() == Durability.Mode.SYNC) {
            start = ReplicaCore.Start.RESTORED;
        }
        DataDirectory.writeDurability(dir, mode); // before the first vote of this run
        Recovered recovered = opened.recovered();
        if (recovered.lastDecided() >= 0) {
            log.info("replica {}: found {} in {}: decided up to {}{}", config.replicaId(),
                    recovered.checkpoint() == null ? "no checkpoint" : "checkpoint " + recovered.checkpoint().consensusId(),
                    dir, recovered.lastDecided(), start == ReplicaCore.Start.RESTORED
                            ? ", with every vote it cast (it votes at once)"
                            : ", without a complete record of its votes (" + (previous.isEmpty() ? "no mode" : previous)
                            + " before): it recovers before it votes");
        }
        return new Opened(start, recovered, opened.store(), opened.store().images());
    }

    private static void deleteFrom(FileStorage storage, SegmentedLog.Position position) throws IOException {
        try {
            SegmentedLog.deleteFrom(storage, position);
        } catch (CorruptLogException e) {
            throw new IOException("cannot repair the log: " + e.getMessage(), e);
        }
    }

    private static ReplicaStore.Opened openStore(FileStorage storage, ReplicaConfig config, Durability durability)
            throws IOException, CorruptLogException {
        return ReplicaStore.open(storage, durability.segmentBytesMax(), RECORD_BYTES_MAX, config::checkpointFollows,
                durability.checkpointsRetain(), config.decisionLogMax());
    }
}
