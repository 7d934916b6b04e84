package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Request;

import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewHistory;

import java.util.List;

/**
 * What deciding changes, whoever learned the decision: the normal case (a quorum of ACCEPTs),
 * catch-up (a decision with its proof) and state transfer (a checkpoint with the proof of its
 * last decision) all move the decided log forward here, and only here. Not a handler: it takes
 * no input of its own, and the handlers that share it do not call one another.
 */
final class Decisions {
    private final ReplicaState state;

    Decisions(ReplicaState state) {
        this.state = state;
    }

    /** Records a decision of instance {@code lastDecided + 1} that a peer proved. */
    void commit(Effects effects, Decision decision) {
        commit(effects, decision, 0);
    }

    /**
     * Records a decision of instance {@code lastDecided + 1}; its replies wait until the records
     * of persist sequence {@code repliesAwait} are durable (0: they need not wait).
     */
    void commit(Effects effects, Decision decision, long repliesAwait) {
        if (decision.consensusId() != state.lastDecided + 1) {
            throw new IllegalStateException("replica " + state.id + " would decide " + decision.consensusId()
                    + " after " + state.lastDecided);
        }
        effects.decide(decision, repliesAwait);
        long evictedBefore = state.decidedByClient.evictions();
        View before = state.view();
        for (Request request : decision.batch().requests()) {
            if (Administration.isAdmin(state.config, request) && !state.isDecided(request.clientId(), request.sequence())) {
                install(decision.consensusId(), decision.batch(), request);
            }
            if (state.decidedByClient.markDone(request.clientId(), request.sequence(), decision.consensusId())) {
                // The client restarted: what its previous session left pending will never run.
                long client = request.clientId();
                long session = SequenceWindow.sessionOf(request.sequence());
                state.pending.removeIf(r -> r.clientId() == client && r.kind() == request.kind()
                        && SequenceWindow.sessionOf(r.sequence()) < session);
            }
            state.pending.remove(request.id());
        }
        if (state.decidedByClient.evictions() != evictedBefore) {
            // Sessions evicted to stay within clientsMax: what they left pending will never run.
            state.pending.removeIf(r -> state.isDecided(r.clientId(), r.sequence()));
        }
        state.lastDecided = decision.consensusId();
        state.lastBatchTimestampMs = Math.max(state.lastBatchTimestampMs, decision.batch().timestampMs());
        state.instances.remove(decision.consensusId());
        state.decisionLog.append(decision);
        state.votes.headMap(state.lastDecided, true).clear();
        state.syncChosen.headMap(state.lastDecided, true).clear();
        state.failedChanges = 0;
        state.lastDecisionAtMs = state.nowMs;
        if (decision.epoch() == state.regency) {
            state.regencyProvenAtMs = state.nowMs;
        }
        state.counters.increment(Counter.DECIDED);
        if (state.view() != before) {
            state.viewEntered = true;
            if (!state.view().contains(before.leaderOf(state.regency))) {
                state.counters.increment(Counter.LEADER_HANDED_OVER);
            }
            if (before.contains(state.id) && state.view().contains(state.id)
                    && !java.util.Objects.equals(before.publicKeys().get(state.id), state.view().publicKeys().get(state.id))) {
                state.counters.increment(Counter.OWN_KEY_ROTATED);
            }
        }
    }

    /**
     * Applies the administrator's {@code request}, decided in {@code consensusId} in {@code batch},
     * to the view history.
     */
    private void install(long consensusId, Batch batch, Request request) {
        ViewHistory.Outcome outcome = Administration.apply(state.views, consensusId, request, batch,
                state.config.instanceWindowMax());
        if (outcome.installed() != null) {
            state.views = outcome.history();
            state.counters.increment(Counter.VIEW_CHANGE_DECIDED);
        } else {
            state.counters.increment(Counter.VIEW_CHANGE_REFUSED);
        }
    }

    /**
     * Jumps to {@code checkpoint} (the header of {@code image}), received by state transfer or
     * stored, whose last decision {@code proof} proves: everything up to it counts as decided, the
     * client sessions are the checkpoint's, and the execution layer restores the same state before
     * any later decision.
     */
    void install(Effects effects, Checkpoint checkpoint, CheckpointImage image, List<Accept> proof) {
        long consensusId = checkpoint.consensusId();
        View before = state.view();
        state.views = checkpoint.views();
        effects.restore(image, proof);
        state.decidedByClient.restore(checkpoint);
        state.pending.removeIf(r -> state.isDecided(r.clientId(), r.sequence()));
        state.lastDecided = consensusId;
        state.lastBatchTimestampMs = Math.max(state.lastBatchTimestampMs, checkpoint.agreedTimestampMs());
        state.instances.headMap(consensusId, true).clear();
        state.votes.headMap(consensusId, true).clear();
        state.syncChosen.headMap(consensusId, true).clear();
        state.decisionLog.clear();
        state.checkpointProof = proof;
        state.checkpointProofId = consensusId;
        state.failedChanges = 0;
        state.lastDecisionAtMs = state.nowMs;
        state.viewEntered |= state.view().id() != before.id();
    }
}
