package io.phalanx.core.replica;

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
import io.phalanx.core.message.Write;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.view.Mode;

import java.util.List;

/**
 * The normal case of Mod-SMaRt: PROPOSE, WRITE (BFT only), ACCEPT, decide.
 *
 * <p>One instance is open at a time: the leader proposes instance {@code lastDecided + 1} only
 * after it decided {@code lastDecided}, and followers validate a proposal only once it is the
 * next instance to decide, because validity ("not already ordered") depends on every earlier
 * decision. Votes for later instances within the window are kept as they come, so a follower
 * that is a little behind catches up as soon as the proposal becomes current.
 *
 * <p>A replica proposes and votes only while {@link ReplicaState#active()}: once it asked for a
 * leader change it falls silent in the old regency, which is what makes the STOPDATA it sends a
 * complete account of its votes. It still decides on a quorum of ACCEPTs, which is only learning.
 */
final class NormalCase {
    private final ReplicaState state;
    private final ProposalValidator validator;
    private final Proofs proofs;

    NormalCase(ReplicaState state, Proofs proofs) {
        this.state = state;
        this.proofs = proofs;
        this.validator = new ProposalValidator(state, proofs);
    }

    void onPropose(Effects effects, Propose propose) {
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
        if (!checkEpoch(effects, write)) {
            return;
        }
        if (state.view.mode() != Mode.BFT) {
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
        if (instance.consensusId == state.lastDecided + 1) {
            progress(effects);
        }
    }

    void onAccept(Effects effects, Accept accept) {
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
        if (instance.consensusId == state.lastDecided + 1) {
            progress(effects);
        }
    }

    /**
     * Moves the next instance as far as it can go — gives it a value (the SYNC's certified
     * choice, a buffered proposal, or, as leader, a fresh batch), votes, decides — and repeats
     * for the one after while decisions happen.
     */
    void progress(Effects effects) {
        while (true) {
            Instance next = state.instance(state.lastDecided + 1);
            if (next == null || next.consensusId < state.syncConsensusId) {
                // Behind the regency's first open instance: those instances were decided in an
                // earlier regency, and only their proofs (catch-up) may decide them here.
                return;
            }
            if (!next.hasValue() && state.active()) {
                giveValue(effects, next);
            }
            if (!next.hasValue()) {
                return;
            }
            vote(effects, next);
            if (!tryDecide(effects, next)) {
                return;
            }
        }
    }

    private void giveValue(Effects effects, Instance next) {
        if (state.syncChosen != null && state.syncConsensusId == next.consensusId) {
            // Bound by the choice rule: reports that include a correct replica wrote it in an
            // earlier epoch, so correct replicas validated it then, against the same decided
            // prefix; it is not validated again (its timestamp may be old by now).
            adopt(next, state.syncChosen);
        } else if (next.bufferedProposal != null) {
            Propose proposal = next.bufferedProposal;
            next.bufferedProposal = null;
            String reason = validator.check(proposal.batch());
            if (reason != null) {
                state.refuse(Counter.INVALID_PROPOSAL, proposal, reason);
                return;
            }
            adopt(next, proposal.batch());
        } else if (state.isLeader()) {
            propose(effects, next);
        }
    }

    private void propose(Effects effects, Instance next) {
        List<Request> requests = state.pending.nextBatch(state.config.batchRequestsMax(), state.config.batchBytesMax() - 16);
        if (requests.isEmpty()) {
            return;
        }
        long timestamp = Math.max(state.nowMs, state.lastBatchTimestampMs);
        Batch batch = new Batch(timestamp, state.random.nextLong(), requests);
        state.counters.increment(Counter.PROPOSED);
        next.ownPropose = new Propose(state.id, next.consensusId, state.regency, batch);
        state.broadcast(effects, next.ownPropose);
        adopt(next, batch);
    }

    private static void adopt(Instance instance, Batch batch) {
        instance.batch = batch;
        instance.digest = Digests.ofBatch(batch);
    }

    /** Casts this replica's votes on the instance's value as far as the votes seen allow. */
    private void vote(Effects effects, Instance instance) {
        if (!state.active()) {
            return;
        }
        if (state.view.mode() == Mode.CFT) {
            if (instance.ownAccept == null) {
                sendAccept(effects, instance);
            }
            return;
        }
        if (instance.ownWrite == null) {
            Write write = new Write(state.id, instance.consensusId, instance.epoch, instance.digest);
            instance.writes.add(write, true);
            instance.ownWrite = write;
            state.votes = votes(instance).withWrite(instance.epoch, instance.digest);
            state.broadcast(effects, write);
        }
        // WRITEs are unsigned: the channel authenticated each sender, so counting them is enough.
        if (instance.ownAccept == null
                && instance.writes.verifiedQuorum(instance.digest, state.quorums::isQuorum, w -> true) != null) {
            sendAccept(effects, instance);
        }
    }

    /** This replica's vote history for {@code instance}'s consensus id, empty if it is a new one. */
    private VoteHistory votes(Instance instance) {
        VoteHistory votes = state.votes;
        return votes != null && votes.consensusId() == instance.consensusId ? votes : VoteHistory.none(instance.consensusId);
    }

    private void sendAccept(Effects effects, Instance instance) {
        state.votes = votes(instance).withAccept(instance.epoch, instance.batch);
        Accept unsigned = new Accept(state.id, instance.consensusId, instance.epoch, instance.digest);
        // CFT replicas do not lie, so their ACCEPTs need no signature to serve as proof.
        Accept accept = state.view.mode() == Mode.BFT ? sign(unsigned) : unsigned;
        instance.accepts.add(accept, true);
        instance.ownAccept = accept;
        state.broadcast(effects, accept);
    }

    private boolean tryDecide(Effects effects, Instance instance) {
        List<Accept> proof = instance.accepts.verifiedQuorum(instance.digest, state.quorums::isQuorum,
                proofs::validAccept);
        state.counters.add(Counter.BAD_SIGNATURE, instance.accepts.takeRejected());
        if (proof == null) {
            return false;
        }
        commit(effects, new Decision(instance.consensusId, instance.epoch, instance.batch, instance.digest, proof));
        return true;
    }

    /** Resends this replica's messages for the open instance, in case the network lost them. */
    void retransmitVotes(Effects effects) {
        Instance open = state.instances.get(state.lastDecided + 1);
        if (open == null || !state.active()) {
            return;
        }
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

    /** Records a decision of instance {@code lastDecided + 1}, reached here or proven by a peer. */
    void commit(Effects effects, Decision decision) {
        if (decision.consensusId() != state.lastDecided + 1) {
            throw new IllegalStateException("replica " + state.id + " would decide " + decision.consensusId()
                    + " after " + state.lastDecided);
        }
        effects.decide(decision);
        for (Request request : decision.batch().requests()) {
            if (state.decidedWindow(request.clientId()).markDone(request.sequence())) {
                // The client restarted: what its previous session left pending will never run.
                long client = request.clientId();
                long session = SequenceWindow.sessionOf(request.sequence());
                state.pending.removeIf(r -> r.clientId() == client && r.kind() == request.kind()
                        && SequenceWindow.sessionOf(r.sequence()) < session);
            }
            state.pending.remove(request.id());
        }
        state.lastDecided = decision.consensusId();
        state.lastBatchTimestampMs = Math.max(state.lastBatchTimestampMs, decision.batch().timestampMs());
        state.instances.remove(decision.consensusId());
        state.decisionLog.append(decision);
        if (state.votes != null && state.votes.consensusId() <= state.lastDecided) {
            state.votes = null;
        }
        state.failedChanges = 0;
        state.lastDecisionAtMs = state.nowMs;
        state.counters.increment(Counter.DECIDED);
    }

    /** Epoch check for normal-case messages; a stale one may tell a peer what it missed. */
    private boolean checkEpoch(Effects effects, ConsensusMessage message) {
        if (message.consensusId() <= state.lastDecided) {
            helpStalePeer(effects, message);
            return state.refuse(Counter.STALE_INSTANCE, message);
        }
        if (message.epoch() != state.regency) {
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
                    state.decisionLog.from(message.consensusId(), state.config.decisionPushMax())));
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
        return accept.withSignature(state.signer.sign(MessageCodec.signedBytes(accept)));
    }
}
