package io.phalanx.sim.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoint agreement: every checkpoint a correct replica took or installed after a given
 * instance has the same digest ({@code CheckpointImage.digest()}, over the canonical encoding of
 * the service state and client sessions). Correct replicas that executed the same decisions must
 * hold the same state, and state transfer trusts a digest that f+1 replicas report only because
 * of this. Every incarnation counts; Byzantine replicas are ignored.
 */
public final class CheckpointChecker implements Checker {
    private record First(ReplicaHistory replica, Checkpointed checkpoint) {
    }

    @Override
    public String name() {
        return "checkpoint";
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> violations = new ArrayList<>();
        Map<Long, First> firstById = new HashMap<>();
        for (ReplicaHistory replica : Histories.correctReplicas(history)) {
            for (Checkpointed checkpoint : replica.checkpoints()) {
                First first = firstById.putIfAbsent(checkpoint.consensusId(), new First(replica, checkpoint));
                if (first != null && !first.checkpoint().digest().equals(checkpoint.digest())) {
                    violations.add(new Violation(name(), "consensusId " + checkpoint.consensusId() + ": "
                            + replica.name() + " " + how(checkpoint) + " a checkpoint with digest " + checkpoint.digest()
                            + " but " + first.replica().name() + " " + how(first.checkpoint()) + " one with digest "
                            + first.checkpoint().digest()));
                }
            }
        }
        return violations;
    }

    private static String how(Checkpointed checkpoint) {
        return checkpoint.installed() ? "installed" : "took";
    }
}
