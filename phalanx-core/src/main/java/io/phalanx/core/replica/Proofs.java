package io.phalanx.core.replica;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks everything a replica accepts as proof rather than on trust — signed ACCEPTs, decision
 * proofs, STOPDATA — and computes the leader-change choice rule, which the
 * new leader and every follower run on the same signed data. Each check returns null when the
 * evidence holds, or the reason it does not.
 */
final class Proofs {
    /**
     * The outcome of the choice rule over a quorum of STOPDATA: the values bound for open
     * instances, by consensus id (an open instance without one is free), and whether the evidence
     * is sound for every instance.
     */
    record Choice(long maxLastDecided, int mostAdvancedSender, SortedMap<Long, Batch> chosen, boolean sound) {
    }

    /** The choice rule's answer for one instance. */
    private record InstanceChoice(Batch chosen, boolean sound) {
    }

    private final ReplicaState state;
    /**
     * Requests whose client signature was checked recently, so a request that arrived from its
     * client and comes back inside a PROPOSE (or a FORWARD or STOP) is not verified twice. Equal
     * requests carry equal bytes and signature, so a hit needs no new check. Bounded LRU.
     */
    private final Map<RequestId, Request> verifiedRequests;

    Proofs(ReplicaState state) {
        this.state = state;
        int capacity = state.config.pendingRequestsMax();
        this.verifiedRequests = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<RequestId, Request> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * An ACCEPT from a member of the view of its instance, validly signed in BFT mode (in CFT mode
     * replicas do not lie, nor sign ACCEPTs).
     */
    boolean validAccept(Accept accept) {
        return validAccept(state.viewAt(accept.consensusId()), accept);
    }

    /** An ACCEPT from a member of {@code view} (null: unknown, so invalid), validly signed in BFT mode. */
    boolean validAccept(View view, Accept accept) {
        return view != null && view.contains(accept.sender()) && (view.mode() == Mode.CFT
                || state.signatures.verifyReplica(view, accept.sender(), MessageCodec.signedBytes(accept), accept.signature()));
    }

    /**
     * A request with a valid client signature, where one is needed: every request when the
     * cluster requires client signatures, and an administrator's always (a request reaches most
     * replicas inside a leader's proposal, so an unsigned view change could be a Byzantine
     * leader's forgery).
     */
    boolean validRequest(Request request) {
        boolean needed = state.config.clientSignaturesRequired() || Administration.isAdmin(state.config, request);
        if (!needed || request.equals(verifiedRequests.get(request.id()))) {
            return true;
        }
        boolean valid = state.signatures.verifyClient(request.clientId(), MessageCodec.signedBytes(request),
                request.signature());
        if (valid) {
            verifiedRequests.put(request.id(), request);
        }
        return valid;
    }

    /**
     * ACCEPTs for one (instance, epoch, digest), from distinct senders, among which the validly
     * signed ones make a quorum. Others with bad signatures may come along: a replica that decided
     * on every replica's ACCEPT checked none of them ({@code NormalCase#tryDecide}), so its proof
     * surely holds a valid quorum but may hold a Byzantine voter's bad signature too. Signatures
     * are checked only until the quorum is complete.
     */
    String checkDecisionProof(long consensusId, int epoch, Digest digest, List<Accept> proof) {
        return checkDecisionProof(state.viewAt(consensusId), consensusId, epoch, digest, proof);
    }

    /** As {@link #checkDecisionProof(long, int, Digest, List)}, against the quorums of {@code view} (null: unknown). */
    String checkDecisionProof(View view, long consensusId, int epoch, Digest digest, List<Accept> proof) {
        if (view == null) {
            return "proof of " + consensusId + " is for an instance whose view this replica does not know";
        }
        QuorumSystem quorums = state.quorumsOf(view);
        Set<Integer> senders = new HashSet<>();
        for (Accept a : proof) {
            if (a.consensusId() != consensusId || a.epoch() != epoch || !a.batchDigest().equals(digest)) {
                return "proof of " + consensusId + " holds an ACCEPT for another instance, epoch or value";
            }
            if (!senders.add(a.sender())) {
                return "proof of " + consensusId + " counts replica " + a.sender() + " twice";
            }
        }
        Set<Integer> valid = new HashSet<>();
        Set<Integer> bad = new HashSet<>();
        for (Accept a : proof) {
            if (quorums.isQuorum(valid)) {
                break;
            }
            if (validAccept(view, a)) {
                valid.add(a.sender());
            } else {
                bad.add(a.sender());
            }
        }
        if (quorums.isQuorum(valid)) {
            return null;
        }
        return "proof of " + consensusId + " has no quorum of valid signatures: valid " + valid
                + (bad.isEmpty() ? "" : ", bad from " + bad);
    }

    String checkDecision(Decision decision) {
        if (!Digests.ofBatch(decision.batch()).equals(decision.digest())) {
            return "decision " + decision.consensusId() + " carries a batch that does not match its digest";
        }
        return checkDecisionProof(decision.consensusId(), decision.epoch(), decision.digest(), decision.proof());
    }

    /** A STOPDATA for {@code regency}, signed by its sender, whose decision proof and vote histories hold. */
    String checkStopData(StopData data, int regency) {
        if (data.regency() != regency) {
            return "STOPDATA for regency " + data.regency() + ", expected " + regency;
        }
        if (data.lastDecided() < -1 || (data.lastDecided() == -1) != data.decisionProof().isEmpty()) {
            return "STOPDATA from " + data.sender() + " has an inconsistent decision proof";
        }
        // A leader change gathers the members of one view: the view of the first instance the
        // sender has not decided, which is the view it votes in.
        View view = state.view();
        View senders = state.viewAt(data.lastDecided() + 1);
        if (senders == null || senders.id() != view.id()) {
            return "STOPDATA from " + data.sender() + " is from " + (senders == null ? "a view this replica does not know"
                    : "view " + senders.id()) + ", not view " + view.id();
        }
        if (!view.contains(data.sender())
                || !state.signatures.verifyReplica(view, data.sender(), MessageCodec.signedBytes(data), data.signature())) {
            return "STOPDATA from " + data.sender() + " is not signed by a member";
        }
        if (data.lastDecided() >= 0 && !(data.lastDecided() <= state.lastDecided && state.viewAt(data.lastDecided()) == null)) {
            // The proof keeps a sender from claiming a decision that was never made. One this
            // replica has decided past needs none, and it may not be able to check it: a replica
            // that joined by state transfer knows only the views from its checkpoint on, while
            // the SYNC it needs may hold reports whose last decision lies in the view before.
            Accept first = data.decisionProof().get(0);
            String reason = checkDecisionProof(data.lastDecided(), first.epoch(), first.batchDigest(), data.decisionProof());
            if (reason != null) {
                return reason;
            }
        }
        return checkVotes(data, regency);
    }

    /**
     * Vote histories must be for instances after the sender's last decision, within the window a
     * replica votes in, in ascending order, and from earlier epochs.
     */
    private String checkVotes(StopData data, int regency) {
        long previous = data.lastDecided();
        for (VoteHistory votes : data.votes()) {
            if (votes.consensusId() <= previous || votes.consensusId() > data.lastDecided() + state.config.instanceWindowMax()
                    || votes.consensusId() >= state.views.nextChangeAfter(data.lastDecided() + 1) // another view's instance
                    || votes.acceptedEpoch() >= regency) {
                return "STOPDATA from " + data.sender() + " reports votes in instance " + votes.consensusId()
                        + " epoch " + votes.acceptedEpoch();
            }
            previous = votes.consensusId();
            String reason = checkWrites(data, votes, regency);
            if (reason != null) {
                return reason;
            }
        }
        return null;
    }

    private String checkWrites(StopData data, VoteHistory votes, int regency) {
        Set<Digest> written = new HashSet<>();
        for (VoteHistory.Written w : votes.writes()) {
            if (w.epoch() < 0 || w.epoch() >= regency || !written.add(w.digest())) {
                return "STOPDATA from " + data.sender() + " reports an invalid or repeated write in epoch " + w.epoch();
            }
        }
        if (state.view().mode() == Mode.CFT && !votes.writes().isEmpty()) {
            return "STOPDATA from " + data.sender() + " reports WRITEs in CFT mode";
        }
        return null;
    }

    /**
     * The choice rule, over STOPDATAs already checked. The open instances are those after the
     * highest proven decision; the rule runs for each one that some report voted in, on every
     * report's history for it (a report without one accepted and wrote nothing there). Each
     * instance is a separate consensus, so the rule and its argument below are per instance; the
     * evidence is sound when it is sound for each of them.
     *
     * <p>CFT (crash faults only, so every report is true): Paxos' rule, the value accepted in the
     * highest epoch, or a free choice if nobody accepted anything.
     *
     * <p>BFT: the rule of Cachin's "Yet another visit to Paxos" (the one Mod-SMaRt uses), where
     * reports may lie. A value v accepted in epoch e <em>binds</em> if (1) a quorum of reports
     * accepted nothing later than e, and nothing other than v in e, and (2) reports that include a
     * correct replica wrote v in e or later. The evidence is <em>sound</em> if some value binds, or
     * a quorum of reports accepted nothing at all (then the leader may propose freely). If a value
     * was decided in an epoch e, the ACCEPT quorum that decided it meets every quorum of reports
     * in a correct replica that accepted v in e or later, so no other value binds and "nothing
     * accepted" has no quorum: the leader must propose v. Once the evidence holds a report from
     * every correct replica it is sound; until then the leader waits for more reports. Among
     * several binding values (possible only when nothing was decided) the one of the highest
     * epoch, then the lowest digest, is chosen, so every follower computes the same answer.
     */
    static Choice choose(Collection<StopData> proofs, QuorumSystem quorums) {
        return choose(proofs, quorums, Set.of());
    }

    /** The choice rule with bugs planted on purpose ({@link PlantedBug}); the rule itself if none. */
    static Choice choose(Collection<StopData> proofs, QuorumSystem quorums, Set<PlantedBug> plantedBugs) {
        long maxDecided = -1;
        int mostAdvanced = -1;
        for (StopData d : proofs) {
            if (mostAdvanced < 0 || d.lastDecided() > maxDecided) {
                maxDecided = d.lastDecided();
                mostAdvanced = d.sender();
            }
        }
        SortedSet<Long> open = new TreeSet<>();
        for (StopData d : proofs) {
            for (VoteHistory votes : d.votes()) {
                if (votes.consensusId() > maxDecided) {
                    open.add(votes.consensusId());
                }
            }
        }
        SortedMap<Long, Batch> chosen = new TreeMap<>();
        boolean sound = true;
        for (long consensusId : open) {
            Map<Integer, Report> reports = new TreeMap<>();
            for (StopData d : proofs) {
                reports.put(d.sender(), Report.of(historyOf(d, consensusId)));
            }
            InstanceChoice choice = chooseOne(reports, quorums, plantedBugs);
            sound &= choice.sound();
            if (choice.chosen() != null) {
                chosen.put(consensusId, choice.chosen());
            }
        }
        return new Choice(maxDecided, mostAdvanced, chosen, sound);
    }

    private static VoteHistory historyOf(StopData data, long consensusId) {
        for (VoteHistory votes : data.votes()) {
            if (votes.consensusId() == consensusId) {
                return votes;
            }
        }
        return VoteHistory.none(consensusId);
    }

    private static InstanceChoice chooseOne(Map<Integer, Report> reports, QuorumSystem quorums,
                                            Set<PlantedBug> plantedBugs) {
        if (quorums.view().mode() == Mode.CFT) {
            boolean lowest = plantedBugs.contains(PlantedBug.CFT_CHOICE_BINDS_LOWEST_EPOCH);
            VoteHistory highest = null;
            for (Report r : reports.values()) {
                VoteHistory h = r.votes();
                if (h.accepted() != null && (highest == null || (lowest ? h.acceptedEpoch() < highest.acceptedEpoch()
                        : h.acceptedEpoch() > highest.acceptedEpoch()))) {
                    highest = h;
                }
            }
            return new InstanceChoice(highest == null ? null : highest.accepted(), true);
        }
        if (plantedBugs.contains(PlantedBug.CHOICE_IGNORES_WRITE_CERTIFICATES)) {
            return new InstanceChoice(null, true);
        }
        Report best = null;
        Set<Integer> acceptedNothing = new HashSet<>();
        for (Map.Entry<Integer, Report> candidate : reports.entrySet()) {
            Report c = candidate.getValue();
            if (c.acceptedDigest() == null) {
                acceptedNothing.add(candidate.getKey());
                continue;
            }
            int epoch = c.votes().acceptedEpoch();
            boolean better = best == null || epoch > best.votes().acceptedEpoch()
                    || (epoch == best.votes().acceptedEpoch() && c.acceptedDigest().compareTo(best.acceptedDigest()) < 0);
            if (better && binds(epoch, c.acceptedDigest(), reports, quorums)) {
                best = c;
            }
        }
        boolean sound = best != null || quorums.isQuorum(acceptedNothing);
        return new InstanceChoice(best == null ? null : best.votes().accepted(), sound);
    }

    /** One sender's votes in the open instance, with the digest of its accepted value (null if none) computed once. */
    private record Report(VoteHistory votes, Digest acceptedDigest) {
        static Report of(VoteHistory votes) {
            return new Report(votes, votes.accepted() == null ? null : Digests.ofBatch(votes.accepted()));
        }
    }

    private static boolean binds(int epoch, Digest digest, Map<Integer, Report> reports, QuorumSystem quorums) {
        Set<Integer> notLater = new HashSet<>();
        Set<Integer> wrote = new HashSet<>();
        reports.forEach((sender, r) -> {
            int accepted = r.votes().acceptedEpoch();
            if (accepted < epoch || (accepted == epoch && digest.equals(r.acceptedDigest()))) {
                notLater.add(sender);
            }
            if (r.votes().writtenEpoch(digest) >= epoch) {
                wrote.add(sender);
            }
        });
        return quorums.isQuorum(notLater) && quorums.containsCorrect(wrote);
    }
}
