package io.phalanx.core.message;

import java.util.Objects;

/**
 * One chunk of an encoded checkpoint. The receiver checks it against the chunk digest that f+1
 * replicas vouched for before it keeps it, so a Byzantine sender can only waste a round trip.
 */
public record Chunk(int sender, long checkpointId, int index, Bytes data) implements ReplicaMessage {
    public Chunk {
        Objects.requireNonNull(data, "data");
        if (index < 0) {
            throw new IllegalArgumentException("chunk index must be >= 0, got " + index);
        }
    }
}
