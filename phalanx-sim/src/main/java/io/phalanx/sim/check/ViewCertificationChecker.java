package io.phalanx.sim.check;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewHistory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * View certification: every decision of a correct replica is certified by a quorum of the view
 * that governs its consensus id, the view the decided log itself says: the checker replays the
 * administrator's changes in the agreed decisions with {@link ViewHistory#apply} from the initial
 * view, independently of the replicas, and counts the ACCEPTs of each decision's proof that come
 * from members of that view, for the decided value, validly signed in BFT mode. A replica that
 * counted votes of another view (one that was not current at that instance) fails it.
 *
 * <p>It checks instances up to the first one no correct replica decided by itself (all learned it
 * from a checkpoint): past it the changes in between are unknown to it.
 */
public final class ViewCertificationChecker implements Checker {
    private final View initial;
    private final long adminClientId;
    private final int instanceWindowMax;
    private final SignatureVerifier signatures;

    /**
     * @param initial           the view the run started in
     * @param adminClientId     the administrator's client id
     * @param instanceWindowMax the replicas' window, which places a change's view
     * @param signatures        checks ACCEPT signatures (BFT)
     */
    public ViewCertificationChecker(View initial, long adminClientId, int instanceWindowMax, SignatureVerifier signatures) {
        this.initial = initial;
        this.adminClientId = adminClientId;
        this.instanceWindowMax = instanceWindowMax;
        this.signatures = signatures;
    }

    @Override
    public String name() {
        return "view-certification";
    }

    @Override
    public List<Violation> check(History history) {
        Map<Long, Batch> agreed = new HashMap<>();
        for (ReplicaHistory replica : history.replicas()) {
            if (replica.correct()) {
                replica.decisions().forEach(d -> agreed.putIfAbsent(d.consensusId(), d.batch()));
            }
        }
        ViewHistory views = ViewHistory.of(initial);
        Set<RequestId> done = new HashSet<>();
        long known = -1;
        while (agreed.containsKey(known + 1)) {
            known++;
            for (Request request : agreed.get(known).requests()) {
                if (!done.add(request.id()) || request.clientId() != adminClientId || request.kind() != RequestKind.ORDERED) {
                    continue;
                }
                try {
                    ViewHistory.Outcome outcome = views.apply(known,
                            MessageCodec.decodeViewChange(request.operation().toArray()), agreed.get(known).regency(),
                            agreed.get(known).caughtUp(), instanceWindowMax);
                    if (outcome.installed() != null) {
                        views = outcome.history();
                    }
                } catch (CodecException e) {
                    // refused by every replica alike
                }
            }
        }
        List<Violation> violations = new ArrayList<>();
        for (ReplicaHistory replica : history.replicas()) {
            if (!replica.correct()) {
                continue;
            }
            for (Decided decided : replica.decisions()) {
                if (decided.proof().isEmpty() || decided.consensusId() > known) {
                    continue;
                }
                View view = views.at(decided.consensusId());
                Set<Integer> certifiers = new HashSet<>();
                for (Accept accept : decided.proof()) {
                    if (accept.consensusId() == decided.consensusId() && accept.batchDigest().equals(decided.digest())
                            && view.contains(accept.sender()) && (view.mode() == Mode.CFT
                            || signatures.verifyReplica(view, accept.sender(), MessageCodec.signedBytes(accept),
                            accept.signature()))) {
                        certifiers.add(accept.sender());
                    }
                }
                if (!view.quorums().isQuorum(certifiers)) {
                    violations.add(new Violation(name(), replica.name() + " decided cid=" + decided.consensusId()
                            + " on ACCEPTs of " + certifiers + ", no quorum of view " + view.id() + " " + view.members()
                            + " f=" + view.f() + ", the view governing that instance"));
                }
            }
        }
        return violations;
    }
}
