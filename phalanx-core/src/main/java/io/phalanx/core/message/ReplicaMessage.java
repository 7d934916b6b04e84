package io.phalanx.core.message;

/**
 * A message exchanged between replicas. It names its sender because WRITE and ACCEPT messages
 * become transferable proofs (certificates) once signed; the core also checks that the sender
 * field equals the identity the transport authenticated, so a replica cannot speak for another.
 */
public sealed interface ReplicaMessage extends Message permits Propose, Write, Accept {
    /** The id of the replica that created this message. */
    int sender();

    /** The consensus instance this message belongs to. */
    long consensusId();

    /** The epoch (leader regency) within the instance. */
    int epoch();
}
