package io.phalanx.core.message;

/** A lagging replica asks a peer for decided instances from {@code fromConsensusId} on. */
public record DecisionFetch(int sender, long fromConsensusId) implements ReplicaMessage {
}
