package io.phalanx.core.replica;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.ConsensusMessage;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.Write;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.view.Mode;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The normal case of Mod-SMaRt: PROPOSE, WRITE (BFT only), ACCEPT, decide.
 *
 * <p>Pipelining: the leader keeps up to {@code pipelineMax} instances open at once, each with a
 * batch of requests not in any other open instance. Instances are decided, and so executed,
 * strictly in consensus order. A follower validates a proposal once every earlier open instance
 * has a value, against the decided log plus those values (no request twice, timestamps do not go
 * back); so it validates in consensus order too, and a proposal that comes early is buffered.
 * Votes for instances within {@code instanceWindowMax} are kept as they come, so a follower
 * that is a little behind catches up as soon as it gets there.
 *
 * <p>A replica proposes and votes only while {@link ReplicaState#active()}: once it asked for a
 * leader change it falls silent in the old regency, which is what makes the STOPDATA it sends a
 * complete account of its votes. It still decides on a quorum of ACCEPTs, which is only learning.
 */
final class NormalCase {
    private final ReplicaState state;
    private final ProposalValidator validator;
    private final Proofs proofs;
    private final Decisions decisions;
    /** Who is caught up, asked before an administrator's request is proposed. */
    private final CaughtUpProbe caughtUpProbe;

    NormalCase(ReplicaState state, Proofs proofs, Decisions decisions, CaughtUpProbe caughtUpProbe) {
        this.caughtUpProbe = caughtUpProbe;
        this.state = state;
        this.proofs = proofs;
        this.decisions = decisions;
        this.validator = new ProposalValidator(state, proofs);
    }

    void onPropose(Effects effects, Propose propose) {
        state.heardVotesFrom.add(propose.sender());
        if (!checkEpoch(effects, propose)) {
            return;
        }
        if (propose.sender() != state.leader()) {
            state.refuse(Counter.NOT_FROM_LEADER, propose);
            return;
        }
        Instance instance = instanceFor(propose);
        if (instance == null) {
            return;
        }
        if (instance.hasValue()) {
            if (!instance.digest.equals(Digests.ofBatch(propose.batch()))) {
                state.refuse(Counter.CONFLICTING_PROPOSAL, propose);
            }
            return;
        }
        if (instance.bufferedProposal != null) {
            if (!instance.bufferedProposal.equals(propose)) {
                state.refuse(Counter.CONFLICTING_PROPOSAL, propose);
            }
            return;
        }
        instance.bufferedProposal = propose;
        progress(effects);
    }

    void onWrite(Effects effects, Write write) {
        state.heardVotesFrom.add(write.sender());
        if (!checkEpoch(effects, write)) {
            return;
        }
        if (state.view().mode() != Mode.BFT) {
            state.refuse(Counter.WRONG_EPOCH, write, "WRITE in CFT mode");
            return;
        }
        Instance instance = instanceFor(write);
        if (instance == null) {
            return;
        }
        if (!instance.writes.add(write, false)) {
            state.refuse(Counter.CONFLICTING_VOTE, write);
            return;
        }
        progress(effects);
    }

    void onAccept(Effects effects, Accept accept) {
        state.lastAcceptFrom.merge(accept.sender(), accept.consensusId(), Math::max);
        state.heardVotesFrom.add(accept.sender());
        if (!checkEpoch(effects, accept)) {
            return;
        }
        Instance instance = instanceFor(accept);
        if (instance == null) {
            return;
        }
        if (!instance.accepts.add(accept, false)) {
            state.refuse(Counter.CONFLICTING_VOTE, accept);
            return;
        }
        if (!instance.hasValue() && instance.accepts.quorum(accept.batchDigest(), state.quorums()::isQuorum) != null) {
            // A quorum accepted a value this replica never saw proposed (it restarted, or the
            // PROPOSE was lost): its peers decide it, and it learns the decision from them.
            state.noteAhead(accept.sender(), accept.consensusId());
        }
        progress(effects);
    }

    /**
     * Moves the open instances as far as they can go — gives each a value in consensus order (the
     * SYNC's bound choice, a buffered proposal, or, as leader, a fresh batch), votes — and decides
     * the next instance, repeating while decisions happen.
     */
    void progress(Effects effects) {
        while (state.lastDecided + 1 >= state.syncConsensusId) {
            // (Below the regency's first open instance, instances were decided in an earlier
            // regency, and only their proofs — catch-up — may decide them here.)
            advanceOpenInstances(effects);
            Instance next = state.instances.get(state.lastDecided + 1);
            if (next == null || !next.hasValue() || !tryDecide(effects, next)) {
                return;
            }
        }
    }

    /** Gives values to and votes in the open instances in consensus order, up to the first without a value. */
    private void advanceOpenInstances(Effects effects) {
        long last = state.windowEnd();
        for (long consensusId = state.lastDecided + 1; consensusId <= last; consensusId++) {
            Instance instance = state.instances.get(consensusId);
            if (instance == null || !instance.hasValue()) {
                if (!state.active()) {
                    return;
                }
                if (instance == null) {
                    if (!state.syncChosen.containsKey(consensusId) && !mayPropose(consensusId)) {
                        return;
                    }
                    instance = state.instance(consensusId);
                }
                giveValue(effects, instance);
                if (!instance.hasValue()) {
                    return; // later instances are validated against this one's value
                }
            }
            vote(effects, instance);
        }
    }

    /** Whether this replica, as leader, may open {@code consensusId}: within the pipeline, or a gap before a bound value. */
    private boolean mayPropose(long consensusId) {
        return state.isLeader() && state.mayVote() && (consensusId <= state.lastDecided + state.config.pipelineMax() || beforeBound(consensusId));
    }

    /**
     * Whether instance {@code consensusId} may be decided with an empty batch: it lies before one
     * whose value the regency's SYNC bound (instances decide in order), or before the first
     * instance of a view an administrator's change made, which an idle cluster would otherwise
     * never reach (the change would never take effect, and every later change would be refused).
     */
    private boolean mayBeEmpty(long consensusId) {
        if (beforeBound(consensusId) || state.views.nextChangeAfter(consensusId) != Long.MAX_VALUE) {
            return true;
        }
        // The change may be in an instance before it that this replica has not decided yet.
        for (Instance earlier : state.instances.headMap(consensusId).values()) {
            if (earlier.hasValue() && earlier.batch.requests().stream().anyMatch(r -> Administration.isAdmin(state.config, r))) {
                return true;
            }
        }
        return false;
    }

    /** True if the regency's SYNC bound a value for an instance after {@code consensusId}. */
    private boolean beforeBound(long consensusId) {
        return !state.syncChosen.isEmpty() && consensusId < state.syncChosen.lastKey();
    }

    private void giveValue(Effects effects, Instance next) {
        Batch bound = state.syncChosen.get(next.consensusId);
        if (bound != null) {
            // Bound by the choice rule: reports that include a correct replica wrote it in an
            // earlier epoch, so correct replicas validated it then; it is not validated again
            // (its timestamp may be old by now, and execution keeps timestamps monotonic).
            adopt(next, bound);
        } else if (next.bufferedProposal != null) {
            Propose proposal = next.bufferedProposal;
            next.bufferedProposal = null;
            String reason = validator.check(next.consensusId, proposal.epoch(), proposal.batch(), mayBeEmpty(next.consensusId));
            if (reason != null) {
                state.refuse(Counter.INVALID_PROPOSAL, proposal, reason);
                return;
            }
            adopt(next, proposal.batch());
        } else if (mayPropose(next.consensusId)) {
            VoteHistory mine = state.votes.get(next.consensusId);
            if (mine != null && mine.acceptedEpoch() == state.regency) {
                repropose(effects, next, mine.accepted()); // proposed before a restart: the same value again
            } else if (state.regency != state.restoredRegency && (mine == null || !votedIn(mine, state.regency))) {
                propose(effects, next);
            } else {
                // Restarted in this regency: it may have proposed a value it never recorded.
                state.counters.increment(Counter.PROPOSAL_WITHHELD);
            }
        }
    }

    /** True if {@code votes} holds a vote cast in {@code epoch}. */
    private static boolean votedIn(VoteHistory votes, int epoch) {
        return votes.acceptedEpoch() == epoch || votes.writes().stream().anyMatch(w -> w.epoch() == epoch);
    }

    private void repropose(Effects effects, Instance next, Batch batch) {
        next.ownPropose = new Propose(state.id, next.consensusId, state.regency, batch);
        state.broadcast(effects, next.ownPropose);
        adopt(next, batch);
    }

    /**
     * True if voting for {@code instance}'s value would contradict a vote this replica cast in the
     * same epoch before it restarted (a fresh {@link Instance} forgets its own votes; the hard
     * state does not). Checked only before a first vote in the instance, where a restart can hide one.
     */
    private boolean contradictsEarlierVote(Instance instance) {
        VoteHistory mine = state.votes.get(instance.consensusId);
        if (mine == null) {
            return false;
        }
        for (VoteHistory.Written w : mine.writes()) {
            if (w.epoch() == instance.epoch && !w.digest().equals(instance.digest)) {
                return true;
            }
        }
        return mine.acceptedEpoch() == instance.epoch && !Digests.ofBatch(mine.accepted()).equals(instance.digest);
    }

    private void propose(Effects effects, Instance next) {
        long viewId = state.view().id();
        int before = state.pending.size();
        state.pending.removeIf(r -> !ProposalValidator.fitsView(r.viewId(), viewId));
        if (state.pending.size() != before) {
            // Admitted for a view two changes back: its client must learn the view in force.
            state.counters.add(Counter.REQUEST_WRONG_VIEW, before - state.pending.size());
        }
        List<Request> requests = state.pending.nextBatch(state.config.batchRequestsMax(), state.config.batchBytesMax() - 20,
                inFlight(next.consensusId));
        List<Integer> caughtUp = List.of();
        if (requests.stream().anyMatch(r -> Administration.isAdmin(state.config, r))) {
            Optional<List<Integer>> found = caughtUpProbe.caughtUp(effects);
            if (found.isPresent()) {
                caughtUp = found.get();
            } else {
                // Asked who is caught up: the administrator's request waits for the answers.
                requests = requests.stream().filter(r -> !Administration.isAdmin(state.config, r)).toList();
            }
        }
        if (requests.isEmpty() && !mayBeEmpty(next.consensusId)) {
            return; // nothing to order (an empty batch only fills a gap before a bound value or a new view)
        }
        long timestamp = Math.max(state.nowMs, state.previousTimestamp(next.consensusId));
        Batch batch = new Batch(timestamp, state.random.nextLong(), state.regency, requests, caughtUp);
        state.counters.increment(Counter.PROPOSED);
        next.ownPropose = new Propose(state.id, next.consensusId, state.regency, batch);
        state.broadcast(effects, next.ownPropose);
        adopt(next, batch);
    }

    /**
     * The requests not to be proposed again for {@code consensusId}: those in the earlier open
     * instances (instances get values in order, so no later one has one yet) and in the regency's
     * bound values.
     */
    private Set<RequestId> inFlight(long consensusId) {
        Set<RequestId> ids = state.requestsOpenBefore(consensusId);
        for (Batch bound : state.syncChosen.tailMap(state.lastDecided + 1).values()) {
            bound.requests().forEach(r -> ids.add(r.id()));
        }
        return ids;
    }

    private static void adopt(Instance instance, Batch batch) {
        instance.batch = batch;
        instance.digest = Digests.ofBatch(batch);
    }

    /** Casts this replica's votes on the instance's value as far as the votes seen allow. */
    private void vote(Effects effects, Instance instance) {
        if (!state.mayVote()) {
            return;
        }
        if (instance.ownWrite == null && instance.ownAccept == null && contradictsEarlierVote(instance)) {
            state.counters.increment(Counter.VOTE_WOULD_CONTRADICT);
            return;
        }
        if (state.view().mode() == Mode.CFT) {
            if (instance.ownAccept == null) {
                sendAccept(effects, instance);
            }
            return;
        }
        if (instance.ownWrite == null) {
            Write write = new Write(state.id, instance.consensusId, instance.epoch, instance.digest);
            instance.writes.add(write, true);
            instance.ownWrite = write;
            state.votes.put(instance.consensusId, votes(instance).withWrite(instance.epoch, instance.digest));
            state.broadcast(effects, write);
        }
        // WRITEs are unsigned: the channel authenticated each sender, so counting them is enough.
        Predicate<Set<Integer>> enoughWrites = state.plantedBugs.contains(PlantedBug.ACCEPT_AFTER_F_PLUS_ONE_WRITES)
                ? state.quorums()::containsCorrect : state.quorums()::isQuorum;
        if (instance.ownAccept == null && instance.writes.quorum(instance.digest, enoughWrites) != null) {
            sendAccept(effects, instance);
        }
    }

    /** This replica's vote history for {@code instance}'s consensus id, empty if it is a new one. */
    private VoteHistory votes(Instance instance) {
        VoteHistory votes = state.votes.get(instance.consensusId);
        return votes != null ? votes : VoteHistory.none(instance.consensusId);
    }

    private void sendAccept(Effects effects, Instance instance) {
        state.votes.put(instance.consensusId, votes(instance).withAccept(instance.epoch, instance.batch));
        Accept unsigned = new Accept(state.id, instance.consensusId, instance.epoch, instance.digest);
        // CFT replicas do not lie, so their ACCEPTs need no signature to serve as proof.
        Accept accept = state.view().mode() == Mode.BFT ? sign(unsigned) : unsigned;
        instance.accepts.add(accept, true);
        instance.ownAccept = accept;
        instance.ownAcceptPersistSequence = state.stepPersistSequence; // the vote changed the hard state
        state.broadcast(effects, accept);
    }

    /**
     * Decides {@code instance} once a quorum of ACCEPTs agrees on its value.
     *
     * <p>Agreement needs only a quorum of ACCEPTs as the authenticated channels delivered them;
     * their signatures make the quorum a proof that others can check (catch-up, STOPDATA). In BFT
     * mode a replica checks none of them when ACCEPTs for the value came from so many replicas
     * that the valid ones surely make a quorum
     * ({@link io.phalanx.core.view.QuorumSystem#containsCorrectQuorum}: every member when
     * n = 3f+1); the decision keeps them all as its proof, which holds a valid quorum whatever
     * the others' signatures ({@link Proofs#checkDecisionProof} checks them until it finds one,
     * wherever the proof goes). With just a quorum in, the replica waits up to
     * {@link #ACCEPT_WAIT_MS} for the others, unless the missing ones did not
     * ACCEPT the previous instance (crashed or lagging), and then checks the signatures of the
     * quorum, as it always did before: a Byzantine replica's bad signature then costs the time
     * of one more vote, not a wrong proof. CFT ACCEPTs carry no signature and are checked for
     * membership only.
     */
    private boolean tryDecide(Effects effects, Instance instance) {
        List<Accept> proof = null;
        if (state.view().mode() == Mode.BFT) {
            proof = instance.accepts.quorum(instance.digest, state.quorums()::containsCorrectQuorum);
            if (proof == null && (instance.accepts.quorum(instance.digest, state.quorums()::isQuorum) == null
                    || waitsForMoreAccepts(instance))) {
                return false;
            }
        }
        if (proof == null) {
            proof = instance.accepts.verifiedQuorum(instance.digest, state.quorums()::isQuorum, proofs::validAccept);
            state.counters.add(Counter.BAD_SIGNATURE, instance.accepts.takeRejected());
            if (proof == null) {
                return false;
            }
        } else {
            state.counters.increment(Counter.DECIDED_UNVERIFIED);
        }
        // Every other ACCEPT in the proof left its sender only once durable there (durability
        // sync): the replies wait for this replica's own, if it counted, not for the decision's record.
        long repliesAwait = instance.ownAccept != null ? instance.ownAcceptPersistSequence : 0;
        decisions.commit(effects, new Decision(instance.consensusId, instance.epoch, instance.batch, instance.digest, proof),
                repliesAwait);
        return true;
    }

    /**
     * How long an instance with a quorum of ACCEPTs waits for the rest before its signatures are
     * checked (two Ed25519 verifications of CPU at n = 4). With four replica JVMs on two cores the
     * last ACCEPT comes a few milliseconds after the quorum; 0 and 1 ms verified most quorums and
     * lost throughput (docs/PERFORMANCE.md, "The ACCEPT wait").
     */
    static final long ACCEPT_WAIT_MS = 5;

    /**
     * True if {@code instance}, which has a quorum of ACCEPTs, should wait for more: it has not
     * waited {@link #ACCEPT_WAIT_MS} yet, and the replicas that might still vote (those that
     * ACCEPTed the last decided instance, or this one) would complete a set whose signatures need
     * no checking. Asks for a tick at the end of the wait.
     */
    private boolean waitsForMoreAccepts(Instance instance) {
        if (instance.acceptQuorumSinceMs < 0) {
            instance.acceptQuorumSinceMs = state.nowMs;
        }
        long deadline = instance.acceptQuorumSinceMs + ACCEPT_WAIT_MS;
        if (state.nowMs >= deadline) {
            return false;
        }
        Set<Integer> keepingUp = new HashSet<>();
        for (int member : state.view().members()) {
            if (member == state.id || state.lastAcceptFrom.getOrDefault(member, -1L) >= state.lastDecided) {
                keepingUp.add(member);
            }
        }
        if (!state.quorums().containsCorrectQuorum(keepingUp)) {
            return false;
        }
        state.acceptWaitUntilMs = Math.min(state.acceptWaitUntilMs, deadline);
        return true;
    }

    /** At a tick: decides an instance whose wait for more ACCEPTs is over. */
    void onTick(Effects effects) {
        if (state.nowMs >= state.acceptWaitUntilMs) {
            state.acceptWaitUntilMs = Output.NEVER;
            progress(effects);
        } else if (caughtUpProbe.waiting()) {
            progress(effects); // members that do not answer are not waited for beyond the probe's time
        }
    }

    /** Resends this replica's messages for the open instances, in case the network lost them. */
    void retransmitVotes(Effects effects) {
        if (!state.mayVote()) {
            return;
        }
        for (Instance open : state.instances.values()) {
            if (open.ownPropose != null) {
                state.broadcast(effects, open.ownPropose);
            }
            if (open.ownWrite != null) {
                state.broadcast(effects, open.ownWrite);
            }
            if (open.ownAccept != null) {
                state.broadcast(effects, open.ownAccept);
            }
        }
    }

    /** Epoch check for normal-case messages; a stale one may tell a peer what it missed. */
    private boolean checkEpoch(Effects effects, ConsensusMessage message) {
        if (message.consensusId() <= state.lastDecided) {
            helpStalePeer(effects, message);
            return state.refuse(Counter.STALE_INSTANCE, message);
        }
        if (message.epoch() != state.regency) {
            if (message.epoch() > state.regency && message.consensusId() > state.lastDecided + 1) {
                // The cluster moved to a later regency while this replica was away (restarted,
                // paused): the decisions before this instance will show it which one.
                state.noteAhead(message.sender(), message.consensusId() - 1);
            }
            return state.refuse(Counter.WRONG_EPOCH, message);
        }
        if (message.consensusId() < state.syncConsensusId) {
            // Decided before this regency began (the SYNC proved it): only its proof counts.
            return state.refuse(Counter.STALE_INSTANCE, message, "instance precedes the regency's first open instance "
                    + state.syncConsensusId);
        }
        return true;
    }

    /**
     * A peer is still working on an instance this replica decided, in a later epoch than the one
     * that decided it: it went through a leader change without learning the decision, and may
     * need this replica's vote to get anywhere. The decision with its proof settles it.
     */
    private void helpStalePeer(Effects effects, ConsensusMessage message) {
        Decision decided = state.decisionLog.get(message.consensusId());
        if (decided != null && message.epoch() > decided.epoch()) {
            state.counters.increment(Counter.DECISIONS_PUSHED);
            effects.send(message.sender(), new DecisionPush(state.id,
                    state.decisionLog.from(message.consensusId(), state.config.decisionPushMax(),
                    state.config.batchBytesMax())));
        }
    }

    private Instance instanceFor(ConsensusMessage message) {
        Instance instance = state.instance(message.consensusId());
        if (instance == null) {
            state.refuse(Counter.BEYOND_WINDOW, message);
        }
        if (message.consensusId() > state.lastDecided + 1) {
            state.noteAhead(message.sender(), message.consensusId() - 1);
        }
        return instance;
    }

    private Accept sign(Accept accept) {
        return accept.withSignature(state.signer().sign(MessageCodec.signedBytes(accept)));
    }
}
