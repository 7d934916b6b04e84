package io.phalanx.core.replica;

import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionFetch;
import io.phalanx.core.message.DecisionPush;

import java.util.List;

/**
 * Catching up on decisions missed while partitioned, slow or busy with a leader change: a
 * replica that sees evidence that a peer decided more (votes for later instances, a STOPDATA or
 * SYNC reporting a later decision) asks for the decided instances, and accepts each only with a
 * valid proof — a quorum of signed ACCEPTs — so a Byzantine peer can delay it but not mislead
 * it. Fetches are retried at most once per tick interval and alternate between the peer that
 * showed the evidence and the others in turn, so one silent or lying peer cannot stall it.
 * Decisions older than the decision log are answered with a {@link io.phalanx.core.message.StateReport}
 * instead, which leads the asker to state transfer ({@link StateTransfer}).
 */
final class Catchup {
    private final ReplicaState state;
    private final Decisions decisions;
    private final Proofs proofs;
    private int fetchAttempts;
    /** When this replica, behind, next asks a peer for the decisions it lacks. */
    private long nextFetchAtMs;

    Catchup(ReplicaState state, Decisions decisions, Proofs proofs) {
        this.state = state;
        this.decisions = decisions;
        this.proofs = proofs;
    }

    void onTick(Effects effects) {
        if (state.behind() && state.nowMs >= nextFetchAtMs) {
            fetchNow(effects);
        }
    }

    void fetchNow(Effects effects) {
        if (!state.behind()) {
            return;
        }
        int target = fetchAttempts % 2 == 0 ? state.aheadPeer : otherPeer(fetchAttempts / 2);
        fetchAttempts++;
        nextFetchAtMs = state.nowMs + state.config.tickIntervalMs() * 2;
        state.counters.increment(Counter.FETCH_SENT);
        effects.send(target, new DecisionFetch(state.id, state.lastDecided + 1));
    }

    private int otherPeer(int turn) {
        List<Integer> members = state.view().members();
        int candidate = members.get(Math.floorMod(state.id + 1 + turn, members.size()));
        return candidate == state.id ? members.get(Math.floorMod(state.id + 2 + turn, members.size())) : candidate;
    }

    /**
     * Sends {@code peer}, which decided up to {@code peerLastDecided}, the decisions after it, if
     * any; false if they are no longer in the decision log.
     */
    boolean offerDecisions(Effects effects, int peer, long peerLastDecided) {
        long from = peerLastDecided + 1;
        if (from > state.lastDecided || from < 0) {
            return true; // nothing this replica can add
        }
        List<Decision> decisions = state.decisionLog.from(from, state.config.decisionPushMax(), state.config.batchBytesMax());
        if (decisions.isEmpty() || decisions.get(0).consensusId() != from) {
            state.counters.increment(Counter.DECISION_UNAVAILABLE);
            return false;
        }
        state.counters.add(Counter.DECISIONS_PUSHED, decisions.size());
        effects.send(peer, new DecisionPush(state.id, decisions));
        return true;
    }

    /**
     * Commits the pushed decisions that extend this replica's log and whose proofs hold; returns
     * the highest epoch among them (-1 if none was new), which proves that regency running.
     */
    int onPush(Effects effects, DecisionPush push) {
        int highestEpoch = -1;
        for (Decision decision : push.decisions()) {
            if (decision.consensusId() <= state.lastDecided) {
                continue;
            }
            if (decision.consensusId() != state.lastDecided + 1) {
                break;
            }
            String reason = proofs.checkDecision(decision);
            if (reason != null) {
                state.refuse(Counter.INVALID_DECISION, push, reason);
                break;
            }
            decisions.commit(effects, decision);
            state.counters.increment(Counter.DECISIONS_LEARNED);
            highestEpoch = Math.max(highestEpoch, decision.epoch());
        }
        if (highestEpoch >= 0) {
            fetchAttempts = 0;
            if (state.behind()) {
                fetchNow(effects);
            }
        }
        return highestEpoch;
    }
}
