package io.phalanx.core.message;

import java.util.Objects;

/**
 * First voting round (BFT mode only): the sender saw a valid proposal with this digest from the
 * leader. A quorum of matching WRITEs means no other value can be accepted in this epoch.
 */
public record Write(int sender, long consensusId, int epoch, Digest batchDigest) implements ReplicaMessage {
    public Write {
        Objects.requireNonNull(batchDigest, "batchDigest");
    }
}
