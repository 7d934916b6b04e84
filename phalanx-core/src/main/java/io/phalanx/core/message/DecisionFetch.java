package io.phalanx.core.message;

/**
 * A lagging replica asks a peer for decided instances from {@code fromConsensusId} on.
 *
 * @param sender          the lagging replica
 * @param fromConsensusId the first decision it wants
 */
public record DecisionFetch(int sender, long fromConsensusId) implements ReplicaMessage {
}
