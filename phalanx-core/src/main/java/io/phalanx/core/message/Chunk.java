package io.phalanx.core.message;

import java.util.Objects;

/**
 * One chunk of an encoded checkpoint. The receiver checks it against the chunk digest that f+1
 * replicas vouched for before it keeps it, so a Byzantine sender can only waste a round trip.
 *
 * @param sender       the replica sending the chunk
 * @param checkpointId the consensus id of the checkpoint the chunk belongs to
 * @param index        the chunk's position in the encoded checkpoint, from 0
 * @param data         the chunk's bytes
 */
public record Chunk(int sender, long checkpointId, int index, Bytes data) implements ReplicaMessage {
    /**
     * Checks that the data is present and the index is not negative.
     *
     * @param sender       the replica sending the chunk
     * @param checkpointId the consensus id of the checkpoint the chunk belongs to
     * @param index        the chunk's position in the encoded checkpoint, from 0
     * @param data         the chunk's bytes
     */
    public Chunk {
        Objects.requireNonNull(data, "data");
        if (index < 0) {
            throw new IllegalArgumentException("chunk index must be >= 0, got " + index);
        }
    }
}
