package io.phalanx.core.view;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * The standard {@link QuorumSystem}: every member has one vote. Two predicates cover every question:
 *
 * <ul>
 *   <li>{@link #isQuorum}: any two quorums intersect in at least one correct replica (BFT) or
 *       in at least one replica (CFT), and the correct replicas alone always form a quorum.
 *       BFT: {@code ceil((n+f+1)/2)} (2f+1 when n = 3f+1); CFT: a majority (f+1 when n = 2f+1).
 *   <li>{@link #containsCorrect}: the set holds at least one correct replica ({@code f+1} members),
 *       so a claim it makes unanimously is true.
 * </ul>
 *
 * Sets passed in may contain non-members; those are ignored rather than counted.
 */
public final class ThresholdQuorumSystem implements QuorumSystem {
    private final View view;
    private final int quorumSize;

    ThresholdQuorumSystem(View view) {
        this.view = view;
        int n = view.n();
        this.quorumSize = view.mode() == Mode.BFT
                ? (n + view.f() + 2) / 2 // ceil((n + f + 1) / 2)
                : n / 2 + 1;
    }

    @Override
    public View view() {
        return view;
    }

    /** True if {@code replicas} form a quorum of this view. */
    @Override
    public boolean isQuorum(Collection<Integer> replicas) {
        return countMembers(replicas) >= quorumSize;
    }

    /** True if {@code replicas} must include at least one correct replica. */
    @Override
    public boolean containsCorrect(Collection<Integer> replicas) {
        return countMembers(replicas) >= view.f() + 1;
    }

    /** True if {@code replicas} hold a quorum plus f members ({@code n} when n = 3f+1). */
    @Override
    public boolean containsCorrectQuorum(Collection<Integer> replicas) {
        return countMembers(replicas) >= quorumSize + view.f();
    }

    /** Number of replicas in a smallest quorum (unweighted views only; for display and sizing). */
    @Override
    public int quorumSize() {
        return quorumSize;
    }

    /** Number of replicas that surely include a correct one. */
    @Override
    public int correctWitnessSize() {
        return view.f() + 1;
    }

    private int countMembers(Collection<Integer> replicas) {
        Set<Integer> distinct = replicas instanceof Set<Integer> s ? s : new HashSet<>(replicas);
        int count = 0;
        for (int id : distinct) {
            if (view.contains(id)) {
                count++;
            }
        }
        return count;
    }

    @Override
    public String toString() {
        return "QuorumSystem[" + view.mode() + " n=" + view.n() + " f=" + view.f() + " quorum=" + quorumSize + "]";
    }
}
