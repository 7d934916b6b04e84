package io.phalanx.core.message;

import java.util.Objects;

/**
 * Second voting round: the sender saw a WRITE quorum (BFT) or a valid proposal (CFT) for this
 * digest. A quorum of matching ACCEPTs decides the instance; the ACCEPTs are its proof.
 */
public record Accept(int sender, long consensusId, int epoch, Digest batchDigest) implements ReplicaMessage {
    public Accept {
        Objects.requireNonNull(batchDigest, "batchDigest");
    }
}
