package io.phalanx.core.message;

/**
 * A message exchanged between replicas. It names its sender because some replica messages
 * (WRITE, ACCEPT, STOPDATA) become transferable proofs once signed; the core also checks that
 * the sender field equals the identity the transport authenticated, so a replica cannot speak
 * for another.
 */
public sealed interface ReplicaMessage extends Message
        permits ConsensusMessage, Forward, Stop, StopData, Sync, DecisionFetch, DecisionPush, StateQuery,
        StateReport, ChunkFetch, Chunk {
    /**
     * The replica that created this message.
     *
     * @return the sender's replica id
     */
    int sender();
}
