package io.phalanx.core.message;

/**
 * A message of the normal case, about one consensus instance in one epoch (leader regency):
 * PROPOSE, WRITE and ACCEPT.
 */
public sealed interface ConsensusMessage extends ReplicaMessage permits Propose, Write, Accept {
    /**
     * The consensus instance this message belongs to.
     *
     * @return the instance's consensus id
     */
    long consensusId();

    /**
     * The epoch (leader regency) within the instance.
     *
     * @return the epoch the message was sent in
     */
    int epoch();
}
