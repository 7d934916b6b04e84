package io.phalanx.core.message;

import java.util.Objects;

/**
 * First voting round (BFT mode only): the sender saw a valid proposal with this digest from the
 * leader. A quorum of matching WRITEs means no other value can be accepted in this epoch.
 *
 * <p>A WRITE is not signed: the authenticated channel it arrives on proves its sender, and no
 * one ever has to show a WRITE to a third party. What a replica wrote reaches the next leader
 * inside its own signed STOPDATA ({@link VoteHistory}), which is what the choice rule counts.
 *
 * @param sender      the writing replica
 * @param consensusId the consensus instance voted on
 * @param epoch       the epoch (leader regency) of the vote
 * @param batchDigest the digest of the proposed batch
 */
public record Write(int sender, long consensusId, int epoch, Digest batchDigest) implements ConsensusMessage {
    /**
     * Checks that the digest is present.
     *
     * @param sender      the writing replica
     * @param consensusId the consensus instance voted on
     * @param epoch       the epoch (leader regency) of the vote
     * @param batchDigest the digest of the proposed batch
     */
    public Write {
        Objects.requireNonNull(batchDigest, "batchDigest");
    }
}
