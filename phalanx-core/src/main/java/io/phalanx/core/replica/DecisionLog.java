package io.phalanx.core.replica;

import io.phalanx.core.message.Decision;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent decisions with their proofs, bounded by {@code decisionLogMax}: what this
 * replica can hand to a peer that fell behind, and the proof of its own last decision, which a
 * STOPDATA carries. (The durable, complete log arrives with durability.)
 */
final class DecisionLog {
    private final int capacity;
    private final ArrayDeque<Decision> decisions = new ArrayDeque<>();

    DecisionLog(int capacity) {
        this.capacity = capacity;
    }

    void append(Decision decision) {
        if (!decisions.isEmpty() && decision.consensusId() != decisions.peekLast().consensusId() + 1) {
            throw new IllegalStateException("decision " + decision.consensusId() + " does not follow "
                    + decisions.peekLast().consensusId());
        }
        decisions.addLast(decision);
        if (decisions.size() > capacity) {
            decisions.removeFirst();
        }
    }

    /** The last decision, or null before the first. */
    Decision last() {
        return decisions.peekLast();
    }

    /** The decision of {@code consensusId} if it is still kept, else null. */
    Decision get(long consensusId) {
        Decision first = decisions.peekFirst();
        if (first == null || consensusId < first.consensusId() || consensusId > decisions.peekLast().consensusId()) {
            return null;
        }
        int offset = (int) (consensusId - first.consensusId());
        int i = 0;
        for (Decision d : decisions) {
            if (i++ == offset) {
                return d;
            }
        }
        return null;
    }

    /** Up to {@code countMax} consecutive decisions from {@code fromConsensusId}; empty if none is kept. */
    List<Decision> from(long fromConsensusId, int countMax) {
        List<Decision> out = new ArrayList<>();
        for (Decision d : decisions) {
            if (d.consensusId() >= fromConsensusId && out.size() < countMax) {
                out.add(d);
            }
        }
        return out;
    }
}
