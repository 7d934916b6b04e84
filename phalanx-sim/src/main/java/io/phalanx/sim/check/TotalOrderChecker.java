package io.phalanx.sim.check;

import java.util.ArrayList;
import java.util.Iterator;
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
 *
 * <p>Restarts and state transfer. Every incarnation of a restarted replica is checked like a
 * replica of its own, from instance 0. A replica whose execution jumped to a checkpoint
 * ({@link Restored}) continues with the instance after it: its decisions resume there, and each
 * stretch of its execution (a {@link Segments.Segment}) must match the reference log from the
 * position of its first instance on. The reference is then stitched from every replica's
 * segments ({@link Segments#referenceLog}), since none may hold the whole log.
 */
public final class TotalOrderChecker implements Checker {
    @Override
    public String name() {
        return "total-order";
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> violations = new ArrayList<>();
        ReplicaHistory reference = Segments.referenceLog(history);
        for (ReplicaHistory replica : Histories.correctReplicas(history)) {
            checkDecisionOrder(replica, violations);
            if (replica != reference) {
                for (Segments.Segment segment : Segments.of(replica)) {
                    if (checkPrefix(segment, reference, violations)) {
                        break;
                    }
                }
            }
        }
        return violations;
    }

    private void checkDecisionOrder(ReplicaHistory replica, List<Violation> violations) {
        List<Decided> decisions = replica.decisions();
        Iterator<Restored> restores = replica.restores().iterator();
        Restored restore = restores.hasNext() ? restores.next() : null;
        long expected = 0;
        for (int index = 0; index <= decisions.size(); index++) {
            while (restore != null && restore.decisionIndex() == index) {
                if (restore.consensusId() + 1 < expected) {
                    violations.add(new Violation(name(), replica.name() + " restored the checkpoint after consensusId "
                            + restore.consensusId() + " after deciding up to consensusId " + (expected - 1)
                            + ": execution went back"));
                    return;
                }
                expected = restore.consensusId() + 1;
                restore = restores.hasNext() ? restores.next() : null;
            }
            if (index == decisions.size()) {
                return;
            }
            long consensusId = decisions.get(index).consensusId();
            if (consensusId != expected) {
                String previous = index == 0 ? "it was its first decision"
                        : "its previous decision was consensusId " + decisions.get(index - 1).consensusId();
                violations.add(new Violation(name(), replica.name() + " decided consensusId "
                        + consensusId + " as its decision #" + index + " (expected consensusId " + expected + "; "
                        + previous + ")"));
                return;
            }
            expected++;
        }
    }

    /** Compares one segment with the reference from its first instance on; true if they diverge. */
    private boolean checkPrefix(Segments.Segment segment, ReplicaHistory reference, List<Violation> violations) {
        List<Executed> mine = segment.executions();
        List<Executed> log = reference.executions();
        int start = 0;
        while (start < log.size() && log.get(start).consensusId() < segment.firstConsensusId()) {
            start++;
        }
        for (int i = 0; i < mine.size(); i++) {
            int position = start + i;
            if (position >= log.size() || !samePosition(mine.get(i), log.get(position))) {
                String theirs = position >= log.size() ? "nothing there (its log ends at position " + (log.size() - 1) + ")"
                        : Histories.describe(log.get(position));
                violations.add(new Violation(name(), "execution sequences diverge at position " + position
                        + ": " + segment.history().name() + " executed " + Histories.describe(mine.get(i))
                        + (segment.firstConsensusId() > 0 ? " (after restoring the checkpoint of consensusId "
                        + (segment.firstConsensusId() - 1) + ")" : "")
                        + " but " + reference.name() + " executed " + theirs));
                return true;
            }
        }
        return false;
    }

    private static boolean samePosition(Executed a, Executed b) {
        return a.consensusId() == b.consensusId()
                && Objects.equals(a.requestId(), b.requestId())
                && Objects.equals(a.result(), b.result());
    }
}
