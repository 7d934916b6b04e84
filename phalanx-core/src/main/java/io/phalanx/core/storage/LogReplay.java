package io.phalanx.core.storage;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.replica.HardState;
import io.phalanx.core.replica.Recovered;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds what a replica stored from its latest checkpoint and the log records that follow, in
 * log order: the decisions after the checkpoint and the hard state as the last record left it.
 * The log may start before the checkpoint (it is truncated only in whole segments): decisions
 * the checkpoint covers are skipped. A decision that does not follow the one before is refused:
 * the log lost records in the middle, and skipping them would execute out of order.
 */
public final class LogReplay {
    private final CheckpointImage checkpoint;
    private final List<Accept> checkpointProof;
    private final List<Decision> decisions = new ArrayList<>();
    /** Decisions up to the checkpoint's, consecutive, the most recent {@code coveredMax} of them. */
    private final java.util.ArrayDeque<Decision> covered = new java.util.ArrayDeque<>();
    private final int coveredMax;
    private long lastDecided;
    private int regency;
    private int stopTarget;
    private Sync sync;
    private final TreeMap<Long, VoteHistory> votes = new TreeMap<>();

    /**
     * A replay after {@code checkpoint} (null if none) whose last decision {@code proof} proves,
     * keeping up to {@code coveredMax} of the decisions the checkpoint covers.
     *
     * @param checkpoint the latest stored checkpoint, or null if there is none
     * @param proof      the signed ACCEPTs that decided the checkpoint's last instance (empty without one)
     * @param coveredMax how many of the latest decisions up to the checkpoint's to keep for peers
     *                   that lag behind
     */
    public LogReplay(CheckpointImage checkpoint, List<Accept> proof, int coveredMax) {
        this.checkpoint = checkpoint;
        this.coveredMax = coveredMax;
        this.checkpointProof = List.copyOf(proof);
        this.lastDecided = checkpoint == null ? -1 : checkpoint.consensusId();
    }

    /**
     * Applies the next record of the log.
     *
     * @param record the next record in log order
     * @return why it cannot be applied (a decision that does not follow the one before), or null
     */
    public String apply(LogRecord record) {
        if (record instanceof LogRecord.Decided d) {
            return decided(d.decision());
        } else if (record instanceof LogRecord.DecidedAsAccepted d) {
            VoteHistory mine = votes.get(d.consensusId());
            if (mine == null || mine.accepted() == null || !Digests.ofBatch(mine.accepted()).equals(d.digest())) {
                if (d.consensusId() <= lastDecided) {
                    // Covered by the checkpoint, and its vote was in a segment deleted behind it:
                    // only the run of covered decisions kept for lagging peers ends here.
                    covered.clear();
                    return null;
                }
                return "decision " + d.consensusId() + " names an accepted batch the log does not hold";
            }
            return decided(new Decision(d.consensusId(), d.epoch(), mine.accepted(), d.digest(), d.proof()));
        } else if (record instanceof LogRecord.Voted v) {
            regency = v.regency();
            stopTarget = v.stopTarget();
            if (v.syncChanged()) {
                sync = v.sync();
            }
            v.votes().forEach(h -> votes.put(h.consensusId(), h));
        }
        return null;
    }

    private String decided(Decision decision) {
        long consensusId = decision.consensusId();
        if (consensusId <= lastDecided) {
            cover(decision); // covered by the checkpoint (or logged twice: the first copy stands)
            return null;
        }
        if (consensusId != lastDecided + 1) {
            return "the log jumps from decision " + lastDecided + " to " + consensusId;
        }
        decisions.add(decision);
        lastDecided = consensusId;
        return null;
    }

    /** Keeps {@code decision}, which the checkpoint covers, if it continues the run kept so far. */
    private void cover(Decision decision) {
        if (checkpoint == null || decision.consensusId() > checkpoint.consensusId()) {
            return;
        }
        if (!covered.isEmpty() && decision.consensusId() != covered.peekLast().consensusId() + 1) {
            covered.clear(); // a gap (or a repeat): start the run again from here
        }
        covered.addLast(decision);
        while (covered.size() > coveredMax) {
            covered.pollFirst();
        }
    }

    /**
     * The highest decision replayed so far.
     *
     * @return its consensus id, the checkpoint's if no later one was replayed, -1 if none
     */
    public long lastDecided() {
        return lastDecided;
    }

    /**
     * What the replay found, for {@code ReplicaCore}.
     *
     * @return the checkpoint, the decisions after it, the covered ones kept, and the hard state
     */
    public Recovered recovered() {
        HardState hard = new HardState(regency, stopTarget, sync, votes).afterDecided(lastDecided);
        boolean reachesCheckpoint = checkpoint != null && !covered.isEmpty()
                && covered.peekLast().consensusId() == checkpoint.consensusId();
        return new Recovered(checkpoint, checkpointProof, reachesCheckpoint ? List.copyOf(covered) : List.of(), decisions,
                hard);
    }

    /**
     * The record that takes the log from hard state {@code before} to {@code after}: the SYNC only
     * if it is another one, and only the vote histories that changed (they are immutable, so a
     * changed one is another object).
     *
     * @param before the hard state the log holds so far
     * @param after  the hard state after a step
     * @return the record to append
     */
    public static LogRecord.Voted change(HardState before, HardState after) {
        List<VoteHistory> changed = new ArrayList<>();
        for (Map.Entry<Long, VoteHistory> vote : after.votes().entrySet()) {
            if (before.votes().get(vote.getKey()) != vote.getValue()) {
                changed.add(vote.getValue());
            }
        }
        boolean syncChanged = before.sync() != after.sync();
        return new LogRecord.Voted(after.regency(), after.stopTarget(), syncChanged, syncChanged ? after.sync() : null,
                changed);
    }
}
