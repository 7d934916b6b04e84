package io.phalanx.core.message;

/**
 * Asks a peer where it stands ({@link StateReport}): sent by a replica that restarted without its
 * state, to learn how far it must catch up before it may vote, and by one that needs a
 * checkpoint because the decisions it lacks are no longer in its peers' decision logs.
 *
 * @param sender the replica asking
 */
public record StateQuery(int sender) implements ReplicaMessage {
}
