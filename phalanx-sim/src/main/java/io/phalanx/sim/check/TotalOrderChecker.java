package io.phalanx.sim.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Total order: correct replicas execute the same requests with the same results in the same
 * order, and decide instances one after another.
 *
 * <p>Replicas progress at different speeds, so their execution sequences may have different
 * lengths; what must hold is that each is a prefix of every longer one. It suffices to compare
 * each correct replica with the longest one, position by position (request id, consensus id and
 * result); only the first divergence per replica is reported, since everything after it differs
 * too. Decisions must carry consensus ids 0, 1, 2, ... in that order: a gap means an instance
 * was skipped, a repeat means one was decided twice. Byzantine replicas are ignored.
 */
public final class TotalOrderChecker implements Checker {
    @Override
    public String name() {
        return "total-order";
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> violations = new ArrayList<>();
        ReplicaHistory longest = Histories.longestExecution(history);
        for (ReplicaHistory replica : Histories.correctReplicas(history)) {
            checkDecisionOrder(replica, violations);
            if (replica != longest) {
                checkPrefix(replica, longest, violations);
            }
        }
        return violations;
    }

    private void checkDecisionOrder(ReplicaHistory replica, List<Violation> violations) {
        List<Decided> decisions = replica.decisions();
        for (int index = 0; index < decisions.size(); index++) {
            long consensusId = decisions.get(index).consensusId();
            if (consensusId != index) {
                String previous = index == 0 ? "it was its first decision"
                        : "its previous decision was consensusId " + decisions.get(index - 1).consensusId();
                violations.add(new Violation(name(), "replica " + replica.replicaId() + " decided consensusId "
                        + consensusId + " as its decision #" + index + " (expected consensusId " + index + "; "
                        + previous + ")"));
                return;
            }
        }
    }

    private void checkPrefix(ReplicaHistory replica, ReplicaHistory longest, List<Violation> violations) {
        List<Executed> mine = replica.executions();
        List<Executed> reference = longest.executions();
        for (int position = 0; position < mine.size(); position++) {
            if (!samePosition(mine.get(position), reference.get(position))) {
                violations.add(new Violation(name(), "execution sequences diverge at position " + position
                        + ": replica " + replica.replicaId() + " executed " + Histories.describe(mine.get(position))
                        + " but replica " + longest.replicaId() + " executed "
                        + Histories.describe(reference.get(position))));
                return;
            }
        }
    }

    private static boolean samePosition(Executed a, Executed b) {
        return a.consensusId() == b.consensusId()
                && Objects.equals(a.requestId(), b.requestId())
                && Objects.equals(a.result(), b.result());
    }
}
