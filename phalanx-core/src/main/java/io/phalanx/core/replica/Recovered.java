package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Decision;

import java.util.List;
import java.util.Objects;

/**
 * What a replica found in its storage when it restarted: its latest checkpoint with the proof of
 * the checkpoint's last decision, the decisions logged after it (consecutive), and its hard
 * state. A core built from it ({@link ReplicaCore#ReplicaCore(ReplicaConfig, io.phalanx.core.view.QuorumSystem,
 * io.phalanx.core.service.RequestVerifier, io.phalanx.core.crypto.Signer, io.phalanx.core.crypto.SignatureVerifier,
 * java.util.random.RandomGenerator, ReplicaCore.Start, java.util.Set, Recovered)}) resumes where the log
 * ends rather than at decision -1, like etcd raft's {@code RestartNode}.
 *
 * @param checkpoint      the latest durable checkpoint; null if none was taken
 * @param checkpointProof the signed ACCEPTs that decided {@code checkpoint}'s last instance
 * @param covered         decisions the log still holds up to the checkpoint's last one, in order,
 *                        without gaps, ending at it (empty if none or no checkpoint): the core
 *                        keeps them in its decision log, so that peers still behind the
 *                        checkpoint can catch up from this replica too (after a restart of the
 *                        whole cluster, a checkpoint only a few replicas took cannot be vouched
 *                        for by f+1, and its decision is the only way past it)
 * @param decisions       the decisions after the checkpoint (or from 0), in order, without gaps
 * @param hardState       the hard state, trusted only when the replica starts
 *                        {@link ReplicaCore.Start#RESTORED} (it was kept durable before every send)
 */
public record Recovered(CheckpointImage checkpoint, List<Accept> checkpointProof, List<Decision> covered,
                        List<Decision> decisions, HardState hardState) {
    /** Nothing stored: a replica that starts from decision -1. */
    public static final Recovered NOTHING = new Recovered(null, List.of(), List.of(), List.of(), HardState.INITIAL);

    /**
     * Copies the lists and checks that checkpoint, proof and decisions fit together.
     *
     * @param checkpoint      the latest durable checkpoint, or null
     * @param checkpointProof the proof of the checkpoint's last decision; empty exactly when there is no checkpoint
     * @param covered         consecutive decisions ending at the checkpoint's last one, or empty
     * @param decisions       consecutive decisions right after the checkpoint (or from 0)
     * @param hardState       the hard state read back
     * @throws IllegalArgumentException if they do not fit together
     */
    public Recovered {
        checkpointProof = List.copyOf(checkpointProof);
        covered = List.copyOf(covered);
        decisions = List.copyOf(decisions);
        if (!covered.isEmpty() && (checkpoint == null
                || covered.get(covered.size() - 1).consensusId() != checkpoint.consensusId()
                || covered.get(covered.size() - 1).consensusId() - covered.get(0).consensusId() != covered.size() - 1)) {
            throw new IllegalArgumentException("the decisions a checkpoint covers must run without gaps up to it");
        }
        Objects.requireNonNull(hardState, "hardState");
        if ((checkpoint == null) != checkpointProof.isEmpty()) {
            throw new IllegalArgumentException("a checkpoint needs the proof of its last decision, and only a checkpoint has one");
        }
        long expected = checkpoint == null ? 0 : checkpoint.consensusId() + 1;
        for (Decision decision : decisions) {
            if (decision.consensusId() != expected) {
                throw new IllegalArgumentException("stored decisions jump from " + (expected - 1) + " to "
                        + decision.consensusId());
            }
            expected++;
        }
    }

    /**
     * The last decision stored.
     *
     * @return its consensus id: the last logged decision's, else the checkpoint's, else -1
     */
    public long lastDecided() {
        if (!decisions.isEmpty()) {
            return decisions.get(decisions.size() - 1).consensusId();
        }
        return checkpoint == null ? -1 : checkpoint.consensusId();
    }
}
