package io.phalanx.core.message;

/**
 * A message of the normal case, about one consensus instance in one epoch (leader regency):
 * PROPOSE, WRITE and ACCEPT.
 */
public sealed interface ConsensusMessage extends ReplicaMessage permits Propose, Write, Accept {
    /** The consensus instance this message belongs to. */
    long consensusId();

    /** The epoch (leader regency) within the instance. */
    int epoch();
}
