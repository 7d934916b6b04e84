package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.Write;
import io.phalanx.core.view.Mode;

import java.util.List;

/**
 * The normal case of Mod-SMaRt: PROPOSE, WRITE (BFT only), ACCEPT, decide.
 *
 * <p>One instance is open at a time: the leader proposes instance {@code lastDecided + 1} only
 * after it decided {@code lastDecided}, and followers validate a proposal only once it is the
 * next instance to decide, because validity ("not already ordered") depends on every earlier
 * decision. Votes for later instances within the window are counted as they come, so a follower
 * that is a little behind catches up as soon as the proposal becomes current.
 */
final class NormalCase {
    private final ReplicaState state;
    private final ProposalValidator validator;

    NormalCase(ReplicaState state) {
        this.state = state;
        this.validator = new ProposalValidator(state);
    }

    /** As leader, proposes the next instance if requests are waiting and none is open. */
    void maybePropose(Effects effects) {
        if (!state.isLeader() || state.pending.isEmpty()) {
            return;
        }
        Instance next = state.instance(state.lastDecided + 1);
        if (next == null || next.hasProposal()) {
            return;
        }
        List<Request> requests = state.pending.nextBatch(state.config.batchRequestsMax(), state.config.batchBytesMax() - 16);
        if (requests.isEmpty()) {
            return;
        }
        long timestamp = Math.max(state.nowMs, state.lastBatchTimestampMs);
        Batch batch = new Batch(timestamp, state.random.nextLong(), requests);
        Propose propose = new Propose(state.id, next.consensusId, state.regency, batch);
        state.counters.increment(Counter.PROPOSED);
        state.broadcast(effects, propose);
        adopt(effects, next, batch, Digests.ofBatch(batch));
    }

    void onPropose(Effects effects, Propose propose) {
        if (propose.epoch() != state.regency) {
            state.refuse(Counter.WRONG_EPOCH, propose);
            return;
        }
        if (propose.sender() != state.leader()) {
            state.refuse(Counter.NOT_FROM_LEADER, propose);
            return;
        }
        Instance instance = instanceFor(propose.consensusId(), propose);
        if (instance == null) {
            return;
        }
        if (instance.consensusId != state.lastDecided + 1) {
            if (instance.bufferedProposal != null && !instance.bufferedProposal.equals(propose)) {
                state.refuse(Counter.CONFLICTING_PROPOSAL, propose);
            } else {
                instance.bufferedProposal = propose;
            }
            return;
        }
        processProposal(effects, instance, propose);
    }

    private void processProposal(Effects effects, Instance instance, Propose propose) {
        Digest digest = Digests.ofBatch(propose.batch());
        if (instance.hasProposal()) {
            if (!instance.digest.equals(digest)) {
                state.refuse(Counter.CONFLICTING_PROPOSAL, propose);
            }
            return;
        }
        String reason = validator.check(propose.batch());
        if (reason != null) {
            state.refuse(Counter.INVALID_PROPOSAL, propose);
            state.lastRejection = "proposal cid=" + propose.consensusId() + " refused: " + reason;
            return;
        }
        adopt(effects, instance, propose.batch(), digest);
    }

    /** Takes a valid proposal as this instance's value and casts this replica's first vote. */
    private void adopt(Effects effects, Instance instance, Batch batch, Digest digest) {
        instance.batch = batch;
        instance.digest = digest;
        castFirstVote(effects, instance);
        advance(effects, instance);
    }

    void onWrite(Effects effects, Write write) {
        Instance instance = instanceFor(write.consensusId(), write);
        if (instance == null || !sameEpoch(instance, write)) {
            return;
        }
        if (state.view.mode() != Mode.BFT) {
            state.refuse(Counter.WRONG_EPOCH, write);
            return;
        }
        if (!instance.addWrite(write)) {
            state.refuse(Counter.CONFLICTING_VOTE, write);
            return;
        }
        advance(effects, instance);
    }

    void onAccept(Effects effects, Accept accept) {
        Instance instance = instanceFor(accept.consensusId(), accept);
        if (instance == null || !sameEpoch(instance, accept)) {
            return;
        }
        if (!instance.addAccept(accept)) {
            state.refuse(Counter.CONFLICTING_VOTE, accept);
            return;
        }
        advance(effects, instance);
    }

    /** Moves an instance (and then its successors) as far as its votes allow. */
    private void advance(Effects effects, Instance instance) {
        Instance current = instance;
        while (current != null && current.hasProposal()) {
            if (state.view.mode() == Mode.BFT && !current.acceptSent
                    && state.quorums.isQuorum(current.writersOf(current.digest))) {
                sendAccept(effects, current);
            }
            if (current.consensusId != state.lastDecided + 1
                    || !state.quorums.isQuorum(current.acceptorsOf(current.digest))) {
                return;
            }
            decide(effects, current);
            current = openNext(effects);
        }
    }

    private void sendAccept(Effects effects, Instance instance) {
        Accept accept = new Accept(state.id, instance.consensusId, instance.epoch, instance.digest);
        instance.addAccept(accept);
        instance.acceptSent = true;
        state.broadcast(effects, accept);
    }

    private void decide(Effects effects, Instance instance) {
        List<Accept> proof = instance.acceptsFor(instance.digest);
        effects.decide(new Decision(instance.consensusId, instance.epoch, instance.batch, instance.digest, proof));
        for (Request request : instance.batch.requests()) {
            state.decidedWindow(request.clientId()).markDone(request.sequence());
            state.pending.remove(request.id());
        }
        state.lastDecided = instance.consensusId;
        state.lastBatchTimestampMs = Math.max(state.lastBatchTimestampMs, instance.batch.timestampMs());
        state.instances.remove(instance.consensusId);
        state.counters.increment(Counter.DECIDED);
    }

    /** After a decision: processes a buffered proposal for the new next instance, or proposes one. */
    private Instance openNext(Effects effects) {
        Instance next = state.instance(state.lastDecided + 1);
        if (next != null && !next.hasProposal() && next.bufferedProposal != null) {
            Propose buffered = next.bufferedProposal;
            next.bufferedProposal = null;
            String reason = validator.check(buffered.batch());
            if (reason == null) {
                next.batch = buffered.batch();
                next.digest = Digests.ofBatch(buffered.batch());
                castFirstVote(effects, next);
                return next;
            }
            state.refuse(Counter.INVALID_PROPOSAL, buffered);
            state.lastRejection = "proposal cid=" + buffered.consensusId() + " refused: " + reason;
            return null;
        }
        maybePropose(effects);
        return null;
    }

    private void castFirstVote(Effects effects, Instance instance) {
        if (state.view.mode() == Mode.BFT) {
            Write write = new Write(state.id, instance.consensusId, instance.epoch, instance.digest);
            instance.addWrite(write);
            instance.wroteSent = true;
            state.broadcast(effects, write);
        } else {
            sendAccept(effects, instance);
        }
    }

    private Instance instanceFor(long consensusId, ReplicaMessage message) {
        if (consensusId <= state.lastDecided) {
            state.refuse(Counter.STALE_INSTANCE, message);
            return null;
        }
        Instance instance = state.instance(consensusId);
        if (instance == null) {
            state.refuse(Counter.BEYOND_WINDOW, message);
        }
        return instance;
    }

    private boolean sameEpoch(Instance instance, ReplicaMessage message) {
        return message.epoch() == instance.epoch || state.refuse(Counter.WRONG_EPOCH, message);
    }
}
