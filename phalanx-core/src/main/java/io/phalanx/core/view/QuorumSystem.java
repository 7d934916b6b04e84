package io.phalanx.core.view;

import java.util.Collection;

/**
 * The one place that answers "are these replicas enough?".
 *
 * <p>Every vote count in Phalanx (WRITE, ACCEPT, STOP, STOPDATA, decision proofs, client
 * replies, and later state-transfer hashes) asks a quorum system, never {@code 2f+1} inline, so
 * that weighted votes (WHEAT) are one more implementation. Its contract, which the protocol's
 * safety rests on: any two quorums intersect in at least one correct replica (BFT) or in at
 * least one replica (CFT); the correct replicas alone always form a quorum; a set that
 * {@link #containsCorrect} holds at least one correct replica. Sets passed in may contain
 * non-members; those are ignored rather than counted.
 */
public interface QuorumSystem {
    /**
     * The view whose members vote.
     *
     * @return the view these rules apply to
     */
    View view();

    /**
     * Whether some replicas are a quorum.
     *
     * @param replicas replica ids; non-members are ignored
     * @return true if {@code replicas} form a quorum of this view
     */
    boolean isQuorum(Collection<Integer> replicas);

    /**
     * Whether some replicas surely include a correct one.
     *
     * @param replicas replica ids; non-members are ignored
     * @return true if {@code replicas} must include at least one correct replica
     */
    boolean containsCorrect(Collection<Integer> replicas);

    /**
     * True if {@code replicas} still form a quorum after taking out any replicas that may be
     * faulty: signed votes from all of them surely include a quorum of valid signatures.
     *
     * @param replicas replica ids; non-members are ignored
     * @return true if the correct replicas among them alone form a quorum, whichever are faulty
     */
    boolean containsCorrectQuorum(Collection<Integer> replicas);

    /**
     * Number of replicas in a smallest quorum (for display and sizing).
     *
     * @return the size of a smallest quorum
     */
    int quorumSize();

    /**
     * Number of replicas that surely include a correct one (for display and sizing).
     *
     * @return the size of a smallest set that {@link #containsCorrect}
     */
    int correctWitnessSize();
}
