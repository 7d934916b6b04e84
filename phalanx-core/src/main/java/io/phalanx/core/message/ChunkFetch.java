package io.phalanx.core.message;

/** Asks a peer for chunk {@code index} of its checkpoint at {@code checkpointId} (state transfer). */
public record ChunkFetch(int sender, long checkpointId, int index) implements ReplicaMessage {
    public ChunkFetch {
        if (index < 0) {
            throw new IllegalArgumentException("chunk index must be >= 0, got " + index);
        }
    }
}
