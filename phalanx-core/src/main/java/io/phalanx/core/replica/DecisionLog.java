package io.phalanx.core.replica;

import io.phalanx.core.message.Decision;

import java.util.ArrayList;
import java.util.List;

/**
 * The most recent decisions with their proofs, bounded by {@code decisionLogMax}: what this
 * replica can hand to a peer that fell behind, and the proof of its own last decision, which a
 * STOPDATA carries. (The durable log is the driver's: {@code storage.ReplicaStore}.) A ring buffer indexed
 * by consensus id: every late vote for a decided instance looks its decision up, so lookups are
 * constant-time.
 */
final class DecisionLog {
    private final Decision[] ring;
    /** Consensus id of the oldest decision kept; meaningless while empty. */
    private long first;
    private int size;

    DecisionLog(int capacity) {
        this.ring = new Decision[capacity];
    }

    void append(Decision decision) {
        if (size > 0 && decision.consensusId() != first + size) {
            throw new IllegalStateException("decision " + decision.consensusId() + " does not follow "
                    + (first + size - 1));
        }
        if (size == 0) {
            first = decision.consensusId();
        }
        ring[slot(decision.consensusId())] = decision;
        if (size < ring.length) {
            size++;
        } else {
            first++;
        }
    }

    /** Forgets every decision: the replica jumped past them to a checkpoint. */
    void clear() {
        java.util.Arrays.fill(ring, null);
        size = 0;
    }

    /** The last decision, or null before the first. */
    Decision last() {
        return size == 0 ? null : ring[slot(first + size - 1)];
    }

    /** The decision of {@code consensusId} if it is still kept, else null. */
    Decision get(long consensusId) {
        if (size == 0 || consensusId < first || consensusId >= first + size) {
            return null;
        }
        return ring[slot(consensusId)];
    }

    /**
     * Up to {@code countMax} consecutive decisions from {@code fromConsensusId} whose batches hold
     * at most {@code bytesMax} bytes together (but always the first), so that a push fits in a
     * message; empty if none is kept.
     */
    List<Decision> from(long fromConsensusId, int countMax, long bytesMax) {
        List<Decision> out = new ArrayList<>();
        long bytes = 0;
        for (long cid = Math.max(fromConsensusId, first); cid < first + size && out.size() < countMax; cid++) {
            Decision decision = ring[slot(cid)];
            bytes += decision.batch().sizeBytes();
            if (!out.isEmpty() && bytes > bytesMax) {
                break;
            }
            out.add(decision);
        }
        return out;
    }

    private int slot(long consensusId) {
        return (int) Math.floorMod(consensusId, (long) ring.length);
    }
}
