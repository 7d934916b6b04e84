package io.phalanx.core.replica;

import io.phalanx.core.message.Decision;

/**
 * The protocol state's invariants, checked after every step, in production too: a broken one
 * means a bug, and a replica that went on with corrupt state could vote against its own earlier
 * votes or execute out of order. Failing loudly stops it instead (the driver stops the replica),
 * and the message says which invariant broke. The checks are cheap: they touch only the open
 * instances, the undecided votes and the newest decision.
 */
final class Invariants {
    private final ReplicaState state;

    Invariants(ReplicaState state) {
        this.state = state;
    }

    void check() {
        require(state.stopTarget >= state.regency, "stop target below the installed regency");
        require(!state.synced || state.regency == 0 || (state.sync != null && state.sync.regency() == state.regency),
                "synced in a regency without its SYNC");
        require(state.votes.isEmpty() || state.votes.firstKey() > state.lastDecided, "votes kept for a decided instance");
        for (Instance open : state.instances.values()) {
            require(open.consensusId > state.lastDecided
                    && open.consensusId <= state.windowEnd(),
                    "instance " + open.consensusId + " open outside the window");
            require(open.epoch == state.regency, "instance " + open.consensusId + " open in epoch " + open.epoch);
        }
        Decision last = state.decisionLog.last();
        require(last == null || last.consensusId() == state.lastDecided, "the decision log ends before the last decision");
    }

    private void require(boolean holds, String what) {
        if (!holds) {
            throw new IllegalStateException("replica " + state.id + " broke an invariant: " + what + " (regency "
                    + state.regency + ", stop target " + state.stopTarget + ", last decided " + state.lastDecided + ")");
        }
    }
}
