package io.phalanx.core.message;

/**
 * Asks a peer for chunk {@code index} of its checkpoint at {@code checkpointId} (state transfer).
 *
 * @param sender       the replica asking
 * @param checkpointId the consensus id of the checkpoint
 * @param index        the chunk wanted, from 0
 */
public record ChunkFetch(int sender, long checkpointId, int index) implements ReplicaMessage {
    /**
     * Checks that the index is not negative.
     *
     * @param sender       the replica asking
     * @param checkpointId the consensus id of the checkpoint
     * @param index        the chunk wanted, from 0
     */
    public ChunkFetch {
        if (index < 0) {
            throw new IllegalArgumentException("chunk index must be >= 0, got " + index);
        }
    }
}
