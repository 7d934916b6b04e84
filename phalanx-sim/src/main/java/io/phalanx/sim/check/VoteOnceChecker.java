package io.phalanx.sim.check;

import io.phalanx.core.message.Digest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * No correct replica commits to two values in one epoch of one instance: it proposes (as leader),
 * writes and accepts at most one value per (instance, epoch), across all its incarnations. Within
 * one incarnation the vote history guarantees it; across a restart, which loses that history,
 * only recovery does (a recovering replica votes again only where it cannot have voted before).
 * A second value would be equivocation, which a correct replica must never commit: quorum
 * intersection would no longer protect agreement. Replicas counted faulty in the run (Byzantine)
 * are ignored.
 */
public final class VoteOnceChecker implements Checker {
    private record Slot(int replicaId, Vote.Kind kind, long consensusId, int epoch) {
    }

    private record First(ReplicaHistory replica, Digest digest) {
    }

    @Override
    public String name() {
        return "vote-once";
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> violations = new ArrayList<>();
        Map<Slot, First> firstBySlot = new HashMap<>();
        for (ReplicaHistory replica : Histories.correctReplicas(history)) {
            for (Vote vote : replica.votes()) {
                Slot slot = new Slot(replica.replicaId(), vote.kind(), vote.consensusId(), vote.epoch());
                First first = firstBySlot.putIfAbsent(slot, new First(replica, vote.digest()));
                if (first != null && !first.digest().equals(vote.digest())) {
                    violations.add(new Violation(name(), replica.name() + " sent " + vote.kind() + " cid="
                            + vote.consensusId() + " epoch=" + vote.epoch() + " for " + vote.digest() + " but "
                            + (first.replica() == replica ? "earlier" : "as " + first.replica().name())
                            + " it had sent " + vote.kind() + " for " + first.digest() + " in the same epoch"));
                }
            }
        }
        return violations;
    }
}
