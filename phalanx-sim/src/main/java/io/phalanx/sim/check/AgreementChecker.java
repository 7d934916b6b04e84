package io.phalanx.sim.check;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Digest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Agreement: no two correct replicas decide different values for the same consensus instance.
 *
 * <p>The value compared is the digest the checker computes itself from the decided batch
 * ({@link Digests#ofBatch}), not the digest the replica recorded, so a replica that decided one
 * batch under another batch's digest is caught too (reported separately). When a decision has no
 * batch recorded, its recorded digest stands in. Byzantine replicas are ignored: they may claim
 * to have decided anything. Every incarnation of a restarted replica is compared too.
 */
public final class AgreementChecker implements Checker {
    /** The first correct replica's decision for an instance, which later ones are compared with. */
    private record FirstDecision(ReplicaHistory replica, Decided decided, Digest digest) {
    }

    @Override
    public String name() {
        return "agreement";
    }

    @Override
    public List<Violation> check(History history) {
        List<Violation> violations = new ArrayList<>();
        Map<Long, FirstDecision> firstByInstance = new HashMap<>();
        for (ReplicaHistory replica : Histories.correctReplicas(history)) {
            for (Decided decided : replica.decisions()) {
                Digest digest = actualDigest(replica, decided, violations);
                FirstDecision first = firstByInstance.putIfAbsent(decided.consensusId(),
                        new FirstDecision(replica, decided, digest));
                if (first != null && !Objects.equals(first.digest(), digest)) {
                    violations.add(disagreement(first, replica, decided, digest));
                }
            }
        }
        return violations;
    }

    private Digest actualDigest(ReplicaHistory replica, Decided decided, List<Violation> violations) {
        if (decided.batch() == null) {
            return decided.digest();
        }
        Digest computed = Digests.ofBatch(decided.batch());
        if (decided.digest() != null && !decided.digest().equals(computed)) {
            violations.add(new Violation(name(), replica.name() + " decided consensusId "
                    + decided.consensusId() + " with recorded digest " + decided.digest()
                    + " but its batch " + Histories.describe(decided.batch()) + " hashes to " + computed));
        }
        return computed;
    }

    private Violation disagreement(FirstDecision first, ReplicaHistory replica, Decided decided, Digest digest) {
        String who = first.replica() == replica ? replica.name() + " earlier" : first.replica().name();
        return new Violation(name(), "consensusId " + decided.consensusId() + ": " + replica.name()
                + " decided digest " + digest + " " + Histories.describe(decided.batch())
                + " but " + who + " decided digest " + first.digest() + " "
                + Histories.describe(first.decided().batch()));
    }
}
