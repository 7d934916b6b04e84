package io.phalanx.core.message;

import java.util.Objects;

/**
 * Second voting round: the sender saw a WRITE quorum (BFT) or a valid proposal (CFT) for this
 * digest. A quorum of matching ACCEPTs decides the instance; being signed, the ACCEPTs are a
 * proof of the decision that any replica can check.
 *
 * @param signature the sender's signature over the message with an empty signature field
 */
public record Accept(int sender, long consensusId, int epoch, Digest batchDigest, Bytes signature)
        implements ConsensusMessage {
    public Accept {
        Objects.requireNonNull(batchDigest, "batchDigest");
        Objects.requireNonNull(signature, "signature");
    }

    /** An unsigned ACCEPT, to be signed with {@link #withSignature}. */
    public Accept(int sender, long consensusId, int epoch, Digest batchDigest) {
        this(sender, consensusId, epoch, batchDigest, Bytes.EMPTY);
    }

    public Accept withSignature(Bytes newSignature) {
        return new Accept(sender, consensusId, epoch, batchDigest, newSignature);
    }
}
