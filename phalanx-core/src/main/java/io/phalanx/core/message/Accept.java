package io.phalanx.core.message;

import java.util.Objects;

/**
 * Second voting round: the sender saw a WRITE quorum (BFT) or a valid proposal (CFT) for this
 * digest. A quorum of matching ACCEPTs decides the instance; being signed, the ACCEPTs are a
 * proof of the decision that any replica can check.
 *
 * @param sender      the accepting replica
 * @param consensusId the consensus instance voted on
 * @param epoch       the epoch (leader regency) of the vote
 * @param batchDigest the digest of the accepted batch
 * @param signature   the sender's signature over the message with an empty signature field
 */
public record Accept(int sender, long consensusId, int epoch, Digest batchDigest, Bytes signature)
        implements ConsensusMessage {
    /**
     * Checks that the digest and the signature are present.
     *
     * @param sender      the accepting replica
     * @param consensusId the consensus instance voted on
     * @param epoch       the epoch (leader regency) of the vote
     * @param batchDigest the digest of the accepted batch
     * @param signature   the sender's signature, or {@link Bytes#EMPTY} before signing
     */
    public Accept {
        Objects.requireNonNull(batchDigest, "batchDigest");
        Objects.requireNonNull(signature, "signature");
    }

    /**
     * An unsigned ACCEPT, to be signed with {@link #withSignature}.
     *
     * @param sender      the accepting replica
     * @param consensusId the consensus instance voted on
     * @param epoch       the epoch (leader regency) of the vote
     * @param batchDigest the digest of the accepted batch
     */
    public Accept(int sender, long consensusId, int epoch, Digest batchDigest) {
        this(sender, consensusId, epoch, batchDigest, Bytes.EMPTY);
    }

    /**
     * This ACCEPT with its signature field set.
     *
     * @param newSignature the signature over this message with an empty signature field
     * @return a copy that carries {@code newSignature}
     */
    public Accept withSignature(Bytes newSignature) {
        return new Accept(sender, consensusId, epoch, batchDigest, newSignature);
    }
}
